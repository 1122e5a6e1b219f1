import COpenSSL
import Glibc

/// A BIO that moves TLS records over a socket with `send(..., MSG_NOSIGNAL)` and `recv`.
///
/// Why not OpenSSL's own socket BIO (`SSL_set_fd`)? In OpenSSL 3.0 it writes with plain
/// `write(2)`, so a write to a connection the peer has closed raises SIGPIPE and, unless the
/// whole process ignores that signal, kills the server. `MSG_NOSIGNAL` turns that into an
/// ordinary EPIPE. Everything else mirrors the socket BIO: EAGAIN sets the retry flags so
/// `SSL_get_error` reports WANT_READ / WANT_WRITE, and EOF is remembered for BIO_CTRL_EOF.
///
/// The BIO does not own the descriptor; it never closes it.
enum SocketBIO {
    /// Makes a BIO over `fd`. The caller hands it to `SSL_set_bio`, which takes ownership.
    static func make(fileDescriptor fd: Int32) -> OpaquePointer? {
        guard let bio = BIO_new(method.pointer) else { return nil }
        // The descriptor travels as the BIO's data pointer (+1 so descriptor 0 is non-nil).
        BIO_set_data(bio, UnsafeMutableRawPointer(bitPattern: Int(fd) + 1))
        BIO_set_init(bio, 1)
        return bio
    }

    /// One BIO_METHOD for the whole process, built on first use (Swift globals are lazily
    /// initialised exactly once, thread-safely) and never freed.
    private static let method = MethodHolder()

    private final class MethodHolder: @unchecked Sendable {  // immutable after init
        let pointer: OpaquePointer

        init() {
            let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR
            guard let method = BIO_meth_new(type, "parley socket") else {
                fatalError("BIO_meth_new failed: \(OpenSSLErrorQueue.drain())")
            }
            BIO_meth_set_write_ex(method, socketWrite)
            BIO_meth_set_read_ex(method, socketRead)
            BIO_meth_set_ctrl(method, socketControl)
            pointer = method
        }
    }

    fileprivate static func descriptor(_ bio: OpaquePointer?) -> Int32 {
        Int32(Int(bitPattern: BIO_get_data(bio)) - 1)
    }
}

private let retryFlags = Int32(BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY)

private func socketWrite(
    _ bio: OpaquePointer?, _ data: UnsafePointer<CChar>?, _ length: Int,
    _ written: UnsafeMutablePointer<Int>?
) -> Int32 {
    BIO_clear_flags(bio, retryFlags)
    written?.pointee = 0
    let fd = SocketBIO.descriptor(bio)
    while true {
        let sent = send(fd, data, length, Int32(MSG_NOSIGNAL))
        if sent >= 0 {
            written?.pointee = sent
            return 1
        }
        switch errno {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK, EINPROGRESS:
            BIO_set_flags(bio, Int32(BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY))
            return 0
        default:
            return 0  // errno stays set for the caller (EPIPE, ECONNRESET, ...)
        }
    }
}

private func socketRead(
    _ bio: OpaquePointer?, _ data: UnsafeMutablePointer<CChar>?, _ length: Int,
    _ readCount: UnsafeMutablePointer<Int>?
) -> Int32 {
    BIO_clear_flags(bio, retryFlags)
    readCount?.pointee = 0
    guard let data, length > 0 else { return 0 }
    let fd = SocketBIO.descriptor(bio)
    while true {
        let received = recv(fd, data, length, 0)
        if received > 0 {
            readCount?.pointee = received
            return 1
        }
        if received == 0 {
            // Remember EOF: OpenSSL asks BIO_CTRL_EOF to tell a closed peer from an error.
            BIO_set_flags(bio, Int32(BIO_FLAGS_IN_EOF))
            return 0
        }
        switch errno {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            BIO_set_flags(bio, Int32(BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY))
            return 0
        default:
            return 0
        }
    }
}

private func socketControl(
    _ bio: OpaquePointer?, _ command: Int32, _ number: Int, _ pointer: UnsafeMutableRawPointer?
) -> Int {
    switch command {
    case BIO_CTRL_FLUSH:
        return 1  // unbuffered: nothing to flush
    case BIO_CTRL_EOF:
        return BIO_test_flags(bio, Int32(BIO_FLAGS_IN_EOF)) != 0 ? 1 : 0
    case BIO_C_GET_FD:
        let fd = SocketBIO.descriptor(bio)
        pointer?.assumingMemoryBound(to: Int32.self).pointee = fd
        return Int(fd)
    default:
        return 0  // includes KTLS queries: not supported, which is what we want
    }
}
