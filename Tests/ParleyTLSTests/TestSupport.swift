import Foundation
import Glibc
import ParleyTLS
import Synchronization

/// Runs blocking work on its own OS thread, so blocking accept()/poll() never sits on Swift
/// concurrency's small cooperative pool.
final class BackgroundThread: Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let done = self.done
        let thread = Thread {
            body()
            done.signal()
        }
        thread.start()
    }

    /// Waits for the body to finish; false on timeout.
    @discardableResult
    func join(timeout: Double = 10) -> Bool {
        done.wait(timeout: .now() + timeout) == .success
    }
}

/// A thread-safe box for results produced on a background thread.
final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
    func mutate(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}

/// One certificate for the whole test run: generation is cheap, but sharing it keeps the
/// suite quick and the fingerprints comparable.
let sharedCertificate: SelfSignedCertificate = try! SelfSignedCertificate.generate()
let sharedServerContext: TLSContext = try! TLSContext.server(
    certificatePEM: sharedCertificate.certificatePEM, privateKeyPEM: sharedCertificate.privateKeyPEM)

/// Accepts `count` connections on a background thread, handshakes each as a TLS server
/// (non-blocking socket, 5 s timeout), and passes the outcome to `handler`.
func serveTLS(
    on listener: TCPListener, count: Int, context: TLSContext = sharedServerContext,
    handler: @escaping @Sendable (Result<TLSConnection, TLSError>) -> Void
) -> BackgroundThread {
    BackgroundThread {
        for _ in 0..<count {
            guard let accepted = try? listener.accept() else { return }
            do {
                try Sockets.setNonBlocking(accepted.fileDescriptor)
                let connection = try TLSConnection(
                    context: context, fileDescriptor: accepted.fileDescriptor, ownership: .owned)
                do throws(TLSError) {
                    try connection.handshake(timeout: .seconds(5))
                    handler(.success(connection))
                } catch {
                    handler(.failure(error))
                }
            } catch let error as TLSError {
                handler(.failure(error))
            } catch {
                handler(.failure(TLSError(.system, "\(error)")))
            }
        }
    }
}

/// A fresh empty temporary directory.
func makeTemporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("parley-tls-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Deletes a directory made by `makeTemporaryDirectory`.
func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Runs a program and returns its standard output, or nil if it cannot run or (when
/// `requireSuccess`) exits non-zero.
func runProgram(
    _ path: String, _ arguments: [String], stdinFromNull: Bool = false,
    includeStandardError: Bool = false, requireSuccess: Bool = true
) -> String? {
    guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = includeStandardError ? output : FileHandle.nullDevice
    if stdinFromNull { process.standardInput = FileHandle.nullDevice }
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 || !requireSuccess else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// The `openssl` executable, if installed.
func opensslPath() -> String? {
    ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}
