import Glibc
import ParleyTLS

/// The known_servers file on disk: `<config>/parley/known_servers`, where `<config>` is
/// `$XDG_CONFIG_HOME` or `~/.config`. The directory is made 0700 and the file 0600: it is
/// not secret, but it is what decides whom this user trusts.
public struct KnownServersFile: Sendable, Hashable {
    public let path: String

    /// The file inside an explicit configuration directory (tests pass a temporary one).
    public init(configDirectory: String) {
        let base = configDirectory.hasSuffix("/") ? String(configDirectory.dropLast()) : configDirectory
        path = base + "/parley/known_servers"
    }

    public init(path: String) {
        self.path = path
    }

    /// The configuration directory by the XDG rules: `XDG_CONFIG_HOME` when it is set to an
    /// absolute path, else `$HOME/.config`; nil when neither can be found.
    public static func configDirectory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.config" }
        return nil
    }

    /// Reads and parses the file; a missing file is an empty list.
    public func load() throws(ClientError) -> KnownServers {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return KnownServers() }
            throw ClientError(.configuration, "cannot read \(path): \(errnoText(errno))")
        }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ClientError(.configuration, "cannot read \(path): \(errnoText(errno))")
            }
            if count == 0 { break }
            contents.append(contentsOf: chunk[0..<count])
            guard contents.count <= 4 << 20 else {
                throw ClientError(.configuration, "\(path) is larger than 4 MiB; is it the right file?")
            }
        }
        return KnownServers(parsing: String(decoding: contents, as: UTF8.self))
    }

    /// Appends a line trusting `fingerprint` for `endpoint`, creating the directories and the
    /// file as needed. Appending (never rewriting) keeps the person's comments and order.
    public func add(_ endpoint: Endpoint, _ fingerprint: Fingerprint) throws(ClientError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ClientError(.configuration, "cannot write \(path): \(errnoText(errno))") }
        defer { close(fd) }
        var text = KnownServers.line(for: endpoint, fingerprint: fingerprint) + "\n"
        if !endsWithNewline(fd) { text = "\n" + text }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ClientError(.configuration, "cannot write \(path): \(errnoText(errno))")
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw ClientError(.configuration, "cannot write \(path): \(errnoText(errno))") }
    }

    /// True for an empty file or one whose last byte is a newline.
    private func endsWithNewline(_ fd: Int32) -> Bool {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return true }
        var last: UInt8 = 0
        return pread(fd, &last, 1, size - 1) == 1 ? last == UInt8(ascii: "\n") : true
    }

    /// `mkdir -p` with mode 0700 for each directory it makes.
    private func makeDirectories(_ directory: String) throws(ClientError) {
        var info = stat()
        guard !directory.isEmpty, stat(directory, &info) != 0 else { return }
        if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            try makeDirectories(String(directory[..<slash]))
        }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw ClientError(.configuration, "cannot create \(directory): \(errnoText(errno))")
        }
    }
}

/// `strerror` for an errno value (thread-safe `strerror_r`).
func errnoText(_ code: Int32) -> String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
        guard strerror_r(code, buffer.baseAddress!, buffer.count) == 0 else { return "error \(code)" }
        return String(cString: buffer.baseAddress!)
    }
}
