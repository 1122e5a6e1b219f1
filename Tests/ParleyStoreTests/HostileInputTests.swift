import Testing

@testable import ParleyStore

@Suite("Hostile input")
struct HostileInputTests {
    static let hostileStrings: [String] = [
        "'; DROP TABLE accounts; --",
        "Robert'); DROP TABLE messages;--",
        "\" OR 1=1 --",
        "../../etc/passwd",
        String(repeating: "x", count: 5_000),
        String(repeating: "é🙂", count: 2_500),
        "Ünïcødé 名前 مرحبا 👩‍👩‍👧‍👦 e\u{301} \u{202E}txet desrever\u{202C} zero\u{200B}width",
        "?1 ?2 :name @x $y %s %n",
        "line1\nline2\r\n\ttab \\ backslash `tick`",
        "",
    ]

    @Test("Hostile strings round-trip unchanged through every table and the tables survive")
    func hostileStringsRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            for (index, text) in Self.hostileStrings.enumerated() {
                // The index keeps keys distinct; the hostile text itself is in every field.
                let key = "\(index)" + text.lowercased()
                #expect(
                    try db.createAccount(name: text, nameKey: key, passwordHash: text, atMs: Int64(index)) == .created)
                let account = try #require(try db.account(nameKey: key))
                #expect(account.name == text)
                #expect(account.nameKey == key)
                #expect(account.passwordHash == text)

                let room = "\(index)" + text
                let id = try db.appendMessage(room: room, sender: text, recipient: text, body: text, atMs: 7)
                #expect(
                    try db.messages(room: room) == [
                        StoredMessage(id: id, room: room, sender: text, recipient: text, body: text, sentAtMs: 7)
                    ])
                try db.appendAudit(kind: text, account: text, address: text, detail: text, atMs: 9)
                let audit = try #require(try db.auditEntries().last)
                #expect([audit.kind, audit.account, audit.address, audit.detail] == [text, text, text, text])
            }
            let count = Self.hostileStrings.count
            #expect(try db.accountCount() == count)
            #expect(try db.messageCount() == count)
            #expect(try db.auditCount() == count)
            #expect(
                try schemaObjects(db.connection) == [
                    "accounts", "messages", "audit", "messages_room_id", "messages_sent_at", "messages_history",
                    "reserved_names",
                ])
        }
    }

    @Test("An empty string is stored as an empty string, not NULL")
    func emptyStringIsNotNull() throws {
        try withTemporaryDirectory { dir in
            let db = try ParleyDatabase.open(path: databasePath(in: dir))
            try db.appendMessage(room: "r", sender: "s", recipient: "", body: "", atMs: 1)
            try db.appendMessage(room: "r", sender: "s", recipient: nil, body: "x", atMs: 2)
            let messages = try db.messages(room: "r")
            #expect(messages.map(\.recipient) == ["", nil])
            #expect(messages.map(\.body) == ["", "x"])
        }
    }
}
