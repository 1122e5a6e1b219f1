import COpenSSL
import Glibc

/// Access to OpenSSL's per-thread error queue.
///
/// OpenSSL records failures in a queue that belongs to the calling thread. A stale entry
/// left behind makes a later, unrelated `SSL_get_error` on the same thread misreport, so
/// every operation in this module clears the queue before it starts and drains it after a
/// failure.
public enum OpenSSLErrorQueue {
    /// Removes every queued error on this thread and returns them as readable strings,
    /// oldest first.
    public static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            messages.append(describe(code))
        }
        return messages
    }

    /// Discards every queued error on this thread.
    public static func clear() {
        ERR_clear_error()
    }

    /// The reason code of the oldest queued error, without removing it (0 if none).
    static func peekReason() -> Int32 {
        let code = ERR_peek_error()
        return code == 0 ? 0 : ERR_GET_REASON(code)
    }

    private static func describe(_ code: UInt) -> String {
        // 256 bytes is what OpenSSL documents as enough for any message.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
            ERR_error_string_n(code, buffer.baseAddress, buffer.count)
            return String(cString: buffer.baseAddress!)
        }
    }
}

/// `strerror` for an errno value, using the thread-safe `strerror_r`.
func systemErrorText(_ code: Int32) -> String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
        // Swift's Glibc imports the XSI strerror_r: 0 on success, text in `buffer`.
        guard strerror_r(code, buffer.baseAddress!, buffer.count) == 0 else {
            return "error \(code)"
        }
        return String(cString: buffer.baseAddress!)
    }
}
