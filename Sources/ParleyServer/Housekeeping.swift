import CParleySystem
import Glibc

/// A thread that periodically returns freed heap pages to the kernel. Every handshake
/// allocates and frees tens of KiB inside OpenSSL; with thousands of connections those
/// freed pages stay resident as holes between live allocations unless trimmed.
enum Housekeeping {
    static func start(every seconds: UInt32 = 5) -> Bool {
        spawnThread(name: "parley-trim", stackSize: 64 * 1024) {
            while true {
                sleep(seconds)
                parley_release_free_memory()
            }
        }
    }
}
