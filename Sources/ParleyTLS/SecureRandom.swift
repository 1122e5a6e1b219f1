import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`), which is
/// thread-safe and seeded from the kernel's getrandom().
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) throws(TLSError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let failure = buffer.withUnsafeMutableBytes { raw -> TLSError? in
            do throws(TLSError) { try fill(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        return buffer
    }

    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(TLSError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        OpenSSLErrorQueue.clear()
        guard buffer.count <= Int(Int32.max),
            RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1
        else {
            throw .drainingQueue(.crypto, "RAND_bytes failed")
        }
    }
}
