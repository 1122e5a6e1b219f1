import CParleySystem
import Glibc

/// The data directory: made 0700 at first start; afterwards refused unless it is a real
/// directory (not a symbolic link) that belongs to the user running the server and that
/// nobody else can write to. Whoever can write to it could swap the key, plant a link
/// where the database will be made, or read what the server writes. Each refusal is one
/// line: what is wrong, and the command that puts it right.
enum DataDirectory {
    /// The names the server keeps in the directory; none may be a symbolic link.
    static let entries = [
        "parley.sqlite3", "parley.sqlite3-wal", "parley.sqlite3-shm", "parley.sqlite3-journal",
        "cert.pem", "key.pem", ServerLock.fileName,
    ]

    /// Checks (or makes) the directory and returns its real path (`realpath`), which the
    /// server then uses for every file in it, so that nothing above it can be swapped
    /// between the checks and the opens.
    static func prepare(_ path: String) throws -> String {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else {
                throw ServerError("cannot read the data directory \(path): \(errnoText(errno))")
            }
            guard mkdir(path, 0o700) == 0 else {
                let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
                throw ServerError(
                    "cannot create the data directory \(path): \(errnoText(errno)); "
                        + "create it yourself (mkdir -p -m 700 \(path)) or check \(parent.isEmpty ? "/" : parent)")
            }
            guard lstat(path, &info) == 0 else {
                throw ServerError("cannot read the data directory \(path): \(errnoText(errno))")
            }
        }
        try check(info, path: path)
        guard let resolved = realpath(path, nil) else {
            throw ServerError("cannot resolve the data directory \(path): \(errnoText(errno))")
        }
        let real = String(cString: resolved)
        free(resolved)
        for name in entries { try checkEntry(real + "/" + name) }
        try probeWritable(real)
        return real
    }

    static func check(_ info: stat, path: String) throws {
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            break
        case S_IFLNK:
            var target = linkTarget(path) ?? "?"
            if let resolved = realpath(path, nil) {
                target = String(cString: resolved)
                free(resolved)
            }
            throw ServerError(
                "refusing the data directory \(path): it is a symbolic link (to \(target)), which whoever "
                    + "made it can point elsewhere; give the directory itself: --data-dir \(target)")
        default:
            throw ServerError(
                "refusing the data directory \(path): it is not a directory; move it away (mv \(path) \(path).old) "
                    + "or choose another --data-dir")
        }
        let user = geteuid()
        guard info.st_uid == user else {
            throw ServerError(
                "refusing the data directory \(path): it belongs to \(userName(info.st_uid)), not to "
                    + "\(userName(user)) who runs the server; chown \(user) \(path) (or choose another --data-dir)")
        }
        let mode = info.st_mode & 0o7777
        guard mode & 0o022 == 0 else {
            throw ServerError(
                "refusing the data directory \(path): group or other users can write to it (mode \(octal(mode))) and so replace "
                    + "the key or the database; chmod 700 \(path)")
        }
    }

    /// A file the server keeps: absent, or a regular file of this user's that is no
    /// symbolic link (a link in a directory only this user can write was still not made
    /// by the server, and could lead its writes anywhere). The database, which holds the
    /// password hashes, is not for other users' eyes either.
    static func checkEntry(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFLNK:
            throw ServerError(
                "refusing \(path): it is a symbolic link (to \(linkTarget(path) ?? "?")), and the server's "
                    + "files must be real files; put the file itself there (mv \"$(readlink -f \(path))\" \(path)) or remove the link"
            )
        default:
            throw ServerError("refusing \(path): it is not a regular file; move it away (mv \(path) \(path).old)")
        }
        let user = geteuid()
        guard info.st_uid == user else {
            throw ServerError(
                "refusing \(path): it belongs to \(userName(info.st_uid)), not to \(userName(user)) who runs "
                    + "the server; chown \(user) \(path)")
        }
        let mode = info.st_mode & 0o7777
        if path.hasSuffix(".sqlite3") && mode & 0o077 != 0 {
            throw ServerError(
                "refusing \(path): other users can read or change it (mode \(octal(mode))), and it holds the "
                    + "password hashes; chmod 600 \(path)")
        }
    }

    /// SQLite makes its `-wal` and `-shm` files beside the database at every start: a
    /// directory where no file can be made (immutable, a read-only mount) fails here,
    /// once and clearly, rather than at every write.
    static func probeWritable(_ directory: String) throws {
        let probe = directory + "/.parley-write-test-\(getpid())"
        unlink(probe)
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ServerError(
                "cannot create files in the data directory \(directory) (\(errnoText(errno))), where the "
                    + "database keeps its -wal and -shm files; make it writable: chmod 700 \(directory) "
                    + "(chattr -i \(directory) if lsattr -d shows i; a read-only mount needs remounting)")
        }
        close(fd)
        unlink(probe)
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The lock that keeps a second server off a data directory: an exclusive `flock` on
/// `parley.lock` (0600, never followed if a link), held for the life of the process (or
/// until `release`), with the holder's PID written in it for the refusal to name. Only
/// servers take it: tools that open the database beside a running server (a future
/// `parley admin`) rely on SQLite's own locking instead.
final class ServerLock: @unchecked Sendable {
    static let fileName = "parley.lock"
    private var descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    static func acquire(directory: String) throws -> ServerLock {
        let path = directory + "/" + fileName
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == ELOOP {
                throw ServerError("refusing \(path): it is a symbolic link; remove it (rm \(path)) and start again")
            }
            throw ServerError("cannot open the lock file \(path): \(errnoText(errno))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let holder = readPID(fd)
            close(fd)
            guard failure == EWOULDBLOCK else { throw ServerError("cannot lock \(path): \(errnoText(failure))") }
            let stop = holder.map { "kill \($0)" } ?? "its pid is not in \(path) yet"
            throw ServerError(
                "another parley serve (pid \(holder.map(String.init) ?? "unknown")) is using the data directory "
                    + "\(directory); stop it first (\(stop)) or give this one its own --data-dir")
        }
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) != 0 || pwrite(fd, text, text.count, 0) != text.count {
            let failure = errno
            close(fd)
            throw ServerError("cannot write the lock file \(path): \(errnoText(failure))")
        }
        return ServerLock(descriptor: fd)
    }

    /// Lets another server have the directory (closing the descriptor drops the lock).
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first ?? ""
        return Int32(text)
    }
}

/// Process-wide protections the server turns on before it reads its key.
public enum ProcessHardening {
    /// Whether the kernel would write a core file of this process and let other processes
    /// of its user attach to it (`prctl(PR_GET_DUMPABLE)`).
    public static var isDumpable: Bool { parley_get_dumpable() != 0 }

    /// `prctl(PR_SET_DUMPABLE)`: the server sets it to false at start, so neither a core
    /// file nor a debugger of the same user sees the private key or the hashes in flight.
    /// (Tests set it back.) False if the kernel refused.
    @discardableResult
    public static func setDumpable(_ dumpable: Bool) -> Bool {
        parley_set_dumpable(dumpable ? 1 : 0) == 0
    }
}

func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

private func octal(_ mode: mode_t) -> String {
    let digits = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

private func userName(_ uid: uid_t) -> String {
    guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
    return "\(String(cString: name)) (uid \(uid))"
}
