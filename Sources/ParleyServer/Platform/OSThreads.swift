import CParleySystem
import Glibc

/// Production's threads: detached POSIX threads with small stacks (a server with a
/// thread per connection pays for every stack it reserves, and these threads recurse
/// little), named for top -H and gdb.
enum OSThreads {
    static func spawn(name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
        final class Box: @unchecked Sendable {
            let name: String
            let body: @Sendable () -> Void
            init(name: String, body: @escaping @Sendable () -> Void) {
                self.name = name
                self.body = body
            }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(Box(name: name, body: body))
        var thread = pthread_t()
        let result = pthread_create(
            &thread, &attributes,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                parley_set_thread_name(box.name)
                box.body()
                return nil
            }, box.toOpaque())
        if result != 0 {
            box.release()
            return false
        }
        return true
    }
}
