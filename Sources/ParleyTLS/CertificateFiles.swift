import COpenSSL
import Glibc

/// The server's certificate and key as `cert.pem` / `key.pem` in a directory, generated on
/// first start and reused afterwards so the fingerprint clients pinned stays valid.
public struct CertificateFiles: Sendable, Hashable {
    /// Path of the PEM certificate (`<directory>/cert.pem`).
    public let certificatePath: String
    /// Path of the PEM private key (`<directory>/key.pem`).
    public let privateKeyPath: String
    /// The certificate as PEM.
    public let certificatePEM: String
    /// The private key as PEM. Treat as secret.
    public let privateKeyPEM: String
    /// SHA-256 fingerprint of the certificate.
    public let fingerprint: Fingerprint
    /// True when this call generated and wrote the files; false when it loaded them.
    public let wasCreated: Bool

    /// Loads `<directory>/cert.pem` and `<directory>/key.pem` when both exist, checking that
    /// the key belongs to the certificate; when neither exists, generates a self-signed pair
    /// (see `SelfSignedCertificate`) and writes both files with mode 0600. The directory is
    /// created (mode 0700) if missing. If only one of the two files exists this throws rather
    /// than overwrite anything.
    public static func loadOrCreate(
        directory: String, commonName: String = "parley"
    ) throws(TLSError) -> CertificateFiles {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let certificatePath = base + "/cert.pem"
        let keyPath = base + "/key.pem"
        switch (fileExists(certificatePath), fileExists(keyPath)) {
        case (true, true):
            return try load(certificatePath: certificatePath, keyPath: keyPath)
        case (false, false):
            try makeDirectories(base)
            return try create(certificatePath: certificatePath, keyPath: keyPath, commonName: commonName)
        case (true, false):
            throw TLSError(
                .fileSystem,
                "\(certificatePath) exists but \(keyPath) does not; restore the key or remove the certificate")
        case (false, true):
            throw TLSError(
                .fileSystem,
                "\(keyPath) exists but \(certificatePath) does not; restore the certificate or remove the key")
        }
    }

    /// Refuses a private key file other users could read or change, or one that belongs
    /// to another user than the one running this process (root's own is accepted: a
    /// key an administrator installed). Follows symbolic links: this is for an
    /// operator's explicit `--key`, which may well be a link (Let's Encrypt's `live/`
    /// directory is made of them); the data directory's own `key.pem` is read with
    /// `loadOrCreate`, which refuses links.
    public static func checkPrivateKeyFile(_ path: String) throws(TLSError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw TLSError(.fileSystem, "cannot read the private key \(path)", errno: errno)
        }
        try checkPrivateKey(info, path: path, allowRoot: true)
    }

    static func checkPrivateKey(_ info: stat, path: String, allowRoot: Bool) throws(TLSError) {
        let user = geteuid()
        if info.st_uid != user && !(allowRoot && info.st_uid == 0) {
            throw TLSError(
                .fileSystem,
                "refusing the private key \(path): it belongs to uid \(info.st_uid), not to uid \(user) "
                    + "that runs the server; chown \(user) \(path)")
        }
        let mode = info.st_mode & 0o7777
        if mode & 0o077 != 0 {
            throw TLSError(
                .fileSystem,
                "refusing the private key \(path): other users can read or change it (mode 0\(String(mode, radix: 8))); "
                    + "chmod 600 \(path)")
        }
    }

    private static func load(certificatePath: String, keyPath: String) throws(TLSError) -> CertificateFiles {
        let certificatePEM = try readTextFile(certificatePath)
        let keyPEM = try readTextFile(keyPath, checkedAsPrivateKey: true)
        let certificate = try X509Certificate(pem: certificatePEM)
        let key = try PrivateKey(pem: keyPEM)
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            throw .drainingQueue(.certificate, "\(keyPath) does not belong to \(certificatePath)")
        }
        return CertificateFiles(
            certificatePath: certificatePath, privateKeyPath: keyPath,
            certificatePEM: certificatePEM, privateKeyPEM: keyPEM,
            fingerprint: try certificate.fingerprint(), wasCreated: false)
    }

    private static func create(
        certificatePath: String, keyPath: String, commonName: String
    ) throws(TLSError) -> CertificateFiles {
        let generated = try SelfSignedCertificate.generate(commonName: commonName)
        try writeNewPrivateFile(keyPath, generated.privateKeyPEM)
        do throws(TLSError) {
            try writeNewPrivateFile(certificatePath, generated.certificatePEM)
        } catch {
            // Never leave a key without its certificate: the next start would refuse it.
            unlink(keyPath)
            throw error
        }
        return CertificateFiles(
            certificatePath: certificatePath, privateKeyPath: keyPath,
            certificatePEM: generated.certificatePEM, privateKeyPEM: generated.privateKeyPEM,
            fingerprint: generated.fingerprint, wasCreated: true)
    }
}

// MARK: - Small file helpers (Glibc only, so the module does not need Foundation)

/// Whether anything is at `path`, a dangling symbolic link included (`lstat`).
private func fileExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

/// `mkdir -p` with mode 0700 for any directory it has to create.
private func makeDirectories(_ path: String) throws(TLSError) {
    guard !path.isEmpty, !fileExists(path) else { return }
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
        try makeDirectories(String(path[..<slash]))
    }
    if mkdir(path, 0o700) != 0 && errno != EEXIST {
        throw TLSError(.fileSystem, "cannot create directory \(path)", errno: errno)
    }
}

/// Creates `path` with mode 0600 from the first instant (O_CREAT|O_EXCL), writes `text`,
/// fsyncs. O_EXCL also means two processes racing to create cannot clobber each other,
/// and (with O_NOFOLLOW) that a planted symbolic link is never written through.
private func writeNewPrivateFile(_ path: String, _ text: String) throws(TLSError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
        throw TLSError(.fileSystem, "cannot create \(path)", errno: errno)
    }
    var failure: Int32 = 0
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            offset += written
        }
        if fsync(fd) != 0 { failure = errno }
    }
    if close(fd) != 0 && failure == 0 { failure = errno }
    if failure != 0 {
        unlink(path)
        throw TLSError(.fileSystem, "cannot write \(path)", errno: failure)
    }
}

/// Reads a small text file (PEM) of the data directory; refuses a symbolic link, a
/// non-regular file, anything over 1 MiB, and (for a key) one `checkPrivateKey` refuses.
private func readTextFile(_ path: String, checkedAsPrivateKey: Bool = false) throws(TLSError) -> String {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
        if errno == ELOOP {
            throw TLSError(
                .fileSystem,
                "refusing \(path): it is a symbolic link, and the data directory's certificate and key "
                    + "must be real files; replace it with what it points to (cp --remove-destination \"$(readlink -f \(path))\" \(path)) "
                    + "or give your files with --cert and --key")
        }
        throw TLSError(.fileSystem, "cannot open \(path)", errno: errno)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw TLSError(.fileSystem, "cannot read \(path)", errno: errno) }
    guard info.st_mode & S_IFMT == S_IFREG else {
        throw TLSError(.fileSystem, "refusing \(path): it is not a regular file; put the PEM file itself there")
    }
    if checkedAsPrivateKey { try CertificateFiles.checkPrivateKey(info, path: path, allowRoot: false) }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw TLSError(.fileSystem, "cannot read \(path)", errno: errno)
        }
        if count == 0 { break }
        contents.append(contentsOf: chunk[0..<count])
        if contents.count > 1 << 20 {
            throw TLSError(.fileSystem, "\(path) is larger than 1 MiB; not a PEM file")
        }
    }
    return String(decoding: contents, as: UTF8.self)
}
