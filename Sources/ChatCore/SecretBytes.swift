/// Bytes that are zeroed when they are no longer needed: on `wipe()` and in `deinit`.
/// One allocation of a fixed size, never grown (a grown array would leave its old copy
/// behind in freed memory). The shell's threads hand a password from one to the next
/// (session, Gate, hashing pool), never at once, so the lock-free state is safe.
public final class SecretBytes: @unchecked Sendable {
    private let pointer: UnsafeMutableRawBufferPointer
    private var count: Int

    public init(_ bytes: some Collection<UInt8>) {
        count = bytes.count
        pointer = .allocate(byteCount: max(1, count), alignment: 1)
        pointer.initializeMemory(as: UInt8.self, repeating: 0)
        _ = pointer.initializeMemory(as: UInt8.self, from: bytes)
    }

    deinit {
        SecretBytes.zero(pointer)
        pointer.deallocate()
    }

    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(rebasing: pointer[..<count]))
    }

    public func wipe() {
        SecretBytes.zero(pointer)
        count = 0
    }

    /// Zeroes memory through a pointer the optimiser cannot see past (it escapes into an
    /// opaque call), so the stores are not dropped as dead.
    public static func zero(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        for offset in 0..<bytes.count { base.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self) }
        withExtendedLifetime(bytes) { opaque(base) }
    }

    @inline(never)
    private static func opaque(_ pointer: UnsafeMutableRawPointer) { _ = pointer.load(as: UInt8.self) }
}
