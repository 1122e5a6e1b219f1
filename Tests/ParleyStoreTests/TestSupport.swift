import Foundation

@testable import ParleyStore

/// Runs `body` with the path of a fresh, empty temporary directory that is deleted afterwards.
/// Every test gets its own directory, so tests can run in parallel on real files.
@discardableResult
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("parley-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// The path of the database file inside a test directory.
func databasePath(in directory: String, _ name: String = "parley.sqlite") -> String {
    directory + "/" + name
}

/// Names of the tables and indexes in the file, read straight from `sqlite_master`.
func schemaObjects(_ connection: SQLiteConnection) throws -> Set<String> {
    let statement = try connection.prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    var names: Set<String> = []
    while try statement.step() {
        if let name = statement.string(at: 0) { names.insert(name) }
    }
    return names
}

/// A plain Swift error standing in for a request that fails for non-SQLite reasons.
struct RequestFailed: Error {}
