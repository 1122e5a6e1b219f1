import Foundation
import Testing

@testable import ParleyStore

@Suite("SQLite wrapper")
struct SQLiteConnectionTests {
    @Test("Bound integers, text, blobs and NULL read back with their types")
    func bindAndReadBack() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, d BLOB, n TEXT)")
        let insert = try db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)")
        try insert.bind(Int64.min, at: 1)
        try insert.bind("héllo\u{0}world", at: 2)
        try insert.bind([0, 1, 2, 255] as [UInt8], at: 3)
        try insert.bind(Data([9, 8, 7]), at: 4)
        try insert.bindNull(at: 5)
        try insert.run()
        #expect(db.lastInsertRowID == 1)
        #expect(db.changes == 1)

        let select = try db.prepare("SELECT i, s, b, d, n FROM t")
        #expect(select.columnCount == 5)
        #expect(select.columnName(at: 1) == "s")
        #expect(try select.step())
        #expect(select.int64(at: 0) == Int64.min)
        #expect(select.string(at: 1) == "héllo\u{0}world")
        #expect(select.bytes(at: 2) == [0, 1, 2, 255])
        #expect(select.data(at: 3) == Data([9, 8, 7]))
        #expect(select.isNull(at: 4))
        #expect(select.string(at: 4) == nil)
        #expect(select.optionalInt64(at: 4) == nil)
        #expect(try !select.step())
    }

    @Test("Empty text and empty blobs stay distinct from NULL")
    func emptyValuesAreNotNull() throws {
        let db = try SQLiteConnection(path: ":memory:")
        let select = try db.prepare("SELECT ?1, typeof(?1), ?2, typeof(?2), typeof(?3)")
        try select.bind("", at: 1)
        try select.bind([UInt8](), at: 2)
        try select.bind(nil as String?, at: 3)
        #expect(try select.step())
        #expect(select.string(at: 0) == "")
        #expect(select.string(at: 1) == "text")
        #expect(select.bytes(at: 2) == [])
        #expect(select.string(at: 3) == "blob")
        #expect(select.string(at: 4) == "null")
    }

    @Test("A statement can be reset and rerun with new bindings")
    func resetAndRebind() throws {
        let db = try SQLiteConnection(path: ":memory:")
        let select = try db.prepare("SELECT ?1 + 1")
        for value in [Int64(1), 41] {
            select.reset()
            try select.bind(value, at: 1)
            #expect(try select.step())
            #expect(select.int64(at: 0) == value + 1)
        }
    }

    @Test("prepare() refuses more than one statement but allows trailing comments")
    func prepareSingleStatementOnly() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (x)")
        let error = #expect(throws: SQLiteError.self) {
            try db.prepare("SELECT 1; DROP TABLE t")
        }
        #expect(error?.message.contains("exactly one") == true)
        _ = try db.prepare("SELECT 1; -- trailing comment")
        _ = try db.prepare("SELECT 1;  ")
        #expect(throws: SQLiteError.self) { try db.prepare("   ") }
        #expect(try schemaObjects(db) == ["t"])
    }

    @Test("SQL errors carry the result code, extended code, message and SQL text")
    func errorDetails() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (x TEXT NOT NULL UNIQUE)")
        let insert = try db.prepare("INSERT INTO t VALUES (?1)")
        try insert.bind("a", at: 1)
        try insert.run()
        insert.reset()
        let error = try #require(#expect(throws: SQLiteError.self) { try insert.run() })
        #expect(error.isConstraintViolation)
        #expect(error.isUniqueConstraintViolation)
        #expect(error.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error.message.contains("UNIQUE"))
        #expect(error.sql == "INSERT INTO t VALUES (?1)")
        #expect(!error.isReadOnly && !error.isBusyOrLocked && !error.isFull)

        let syntax = #expect(throws: SQLiteError.self) { try db.prepare("SELEKT 1") }
        #expect(syntax?.message.contains("syntax error") == true)
        // Binding without a reset after stepping is API misuse, reported rather than crashing.
        let misuse = #expect(throws: SQLiteError.self) { try insert.bind("x", at: 1) }
        #expect(misuse?.code == 21)  // SQLITE_MISUSE
        insert.reset()
        let range = #expect(throws: SQLiteError.self) { try insert.bind("x", at: 2) }
        #expect(range?.code == 25)  // SQLITE_RANGE
    }

    @Test("Opening a missing file read-only fails with an SQLiteError")
    func missingFileReadOnly() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: SQLiteError.self) {
                try SQLiteConnection(path: databasePath(in: dir, "missing.sqlite"), mode: .readOnly)
            }
        }
    }
}
