import Foundation
import Glibc
import Testing

@testable import ParleyStore

/// Makes `path` impossible to write for this process until the returned closure runs:
/// `chattr +i` as root (who ignores permission bits), mode 0444 otherwise.
func makeUnwritable(_ path: String) throws -> () -> Void {
    if geteuid() == 0 {
        try runTool("/usr/bin/chattr", ["+i", path])
        return { try? runTool("/usr/bin/chattr", ["-i", path]) }
    }
    chmod(path, 0o444)
    return { chmod(path, 0o644) }
}

func runTool(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(tool) \(arguments.joined(separator: " ")) failed")
}

@Suite("Opens that are refused up front")
struct OpenRefusalTests {
    @Test("a read-write open of a database this process cannot write is refused, saying how to make it writable")
    func readOnlyFileIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = databasePath(in: dir)
            _ = try ParleyDatabase.open(path: path)
            let restore = try makeUnwritable(path)
            defer { restore() }
            let error = #expect(throws: ParleyDatabaseError.self) { _ = try ParleyDatabase.open(path: path) }
            #expect(error == .readOnlyFile(path: path))
            #expect(error?.description.contains("chmod u+w \(path)") == true)
            // Tools that only read still can.
            #expect(throws: Never.self) { _ = try ParleyDatabase.open(path: path, access: .readOnly) }
        }
    }

    @Test("an open that refuses symbolic links refuses a database path that is one and leaves its target alone")
    func symbolicLinkIsRefused() throws {
        try withTemporaryDirectory { dir in
            let target = dir + "/elsewhere.sqlite3", link = databasePath(in: dir)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            let error = #expect(throws: ParleyDatabaseError.self) {
                _ = try ParleyDatabase.open(path: link, refuseSymlinks: true)
            }
            #expect(error == .symbolicLink(path: link))
            #expect(error?.description.contains("readlink -f") == true)
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }
}
