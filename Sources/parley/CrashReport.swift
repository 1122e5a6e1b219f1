import Foundation

/// If an actor's `precondition` traps in the middle of a run, the process dies; this
/// prints, from the signal handler, which seeds were running and how to replay them, so
/// a crash is a finding with a seed like any broken invariant. Only async-signal-safe
/// calls happen in the handler: it formats digits into a fixed buffer and calls write(2).
enum CrashReport {
    private static let workers = 64
    /// The seed each worker is running, plus one; zero when idle.
    nonisolated(unsafe) private static let running = UnsafeMutablePointer<UInt64>.allocate(capacity: workers)
    /// The flags to repeat after `--seed N`, as bytes.
    nonisolated(unsafe) private static let suffix = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    nonisolated(unsafe) private static var suffixLength = 0

    /// Arms the handler; `flags` are the command's options that differ from the defaults.
    static func install(flags: String) {
        running.initialize(repeating: 0, count: workers)
        let bytes = Array(flags.utf8.prefix(255))
        for (index, byte) in bytes.enumerated() { suffix[index] = byte }
        suffixLength = bytes.count
        for signal in [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE] {
            Foundation.signal(signal) { number in
                CrashReport.report()
                Foundation.signal(number, SIG_DFL)
                raise(number)
            }
        }
    }

    /// Marks what a worker runs; `nil` when it is done.
    static func running(_ seed: UInt64?, worker: Int) {
        guard worker < workers else { return }
        running[worker] = seed.map { $0 &+ 1 } ?? 0
    }

    private static func report() {
        for worker in 0..<workers where running[worker] != 0 {
            emit("parley sim: crashed while running seed ")
            emitNumber(running[worker] - 1)
            emit(" — replay: parley sim --seed ")
            emitNumber(running[worker] - 1)
            _ = write(2, suffix, suffixLength)
            emit("\n")
        }
    }

    private static func emit(_ text: StaticString) {
        _ = write(2, text.utf8Start, text.utf8CodeUnitCount)
    }

    private static func emitNumber(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes on the stack
        withUnsafeMutableBytes(of: &digits) { buffer in
            var rest = value
            var index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(48 + rest % 10)
                rest /= 10
            } while rest > 0
            _ = write(2, buffer.baseAddress! + index, buffer.count - index)
        }
    }
}
