/// The Parley schema, as an ordered list of migrations.
public enum ParleySchema {
    /// Every migration, in order, with versions 1, 2, 3, ... without gaps.
    public static let migrations: [Migration] = [
        Migration(
            version: 1, summary: "accounts, messages and audit tables",
            sql: """
                CREATE TABLE accounts (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    name_key TEXT NOT NULL UNIQUE,   -- lowercased name: names are unique regardless of case
                    password_hash TEXT NOT NULL,     -- encoded hash only, never a plaintext password
                    created_at_ms INTEGER NOT NULL
                );
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY,
                    room TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    recipient TEXT NULL,             -- set for whispers
                    body TEXT NOT NULL,
                    sent_at_ms INTEGER NOT NULL
                );
                -- Room history is read by room in id order.
                CREATE INDEX messages_room_id ON messages (room, id);
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY,
                    at_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    account TEXT NULL,
                    address TEXT NULL,
                    detail TEXT NULL
                );
                """),
        Migration(
            version: 2, summary: "index messages by time, for retention",
            sql: """
                -- parley serve --keep-days deletes the oldest messages hourly; without this
                -- index each round would read the whole table.
                CREATE INDEX messages_sent_at ON messages (sent_at_ms);
                """),
        Migration(
            version: 3, summary: "room lives and the history index",
            sql: """
                -- A room's history is its own life's messages: a temporary room of an old name
                -- starts empty. global is life 0 (its history survives restarts); rows from
                -- before lives existed are global's if they were said there, no one's (-1) if not.
                ALTER TABLE messages ADD COLUMN room_life INTEGER NOT NULL DEFAULT -1;
                UPDATE messages SET room_life = 0 WHERE room = 'global';
                -- A join reads the newest N room messages of one life: a bounded walk back
                -- from the end of this index, whispers left out by its WHERE.
                CREATE INDEX messages_history ON messages (room_life, id) WHERE recipient IS NULL;
                """),
        Migration(
            version: 4, summary: "operators, bans, last logins, reserved names and /me actions",
            sql: """
                -- 'message', or 'action' for a /me line (live only: a room's history holds messages).
                ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'message';
                ALTER TABLE accounts ADD COLUMN is_operator INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE accounts ADD COLUMN is_banned INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE accounts ADD COLUMN last_login_ms INTEGER NULL;
                -- A deleted account's name stays here, so nobody registers it to pass for its owner.
                CREATE TABLE reserved_names (
                    name_key TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    reserved_at_ms INTEGER NOT NULL
                );
                """),
    ]

    /// The newest schema version this code knows (the `user_version` of a fully migrated file).
    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}
