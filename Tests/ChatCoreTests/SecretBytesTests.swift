import ChatCore
import Testing

@Suite("Passwords in memory: bytes wiped after hashing")
struct SecretBytesTests {
    @Test("a wiped password reads as empty in every copy of it")
    func wipeReachesEveryCopy() {
        let password = Password("correct-horse-battery")
        let copy = password
        password.wipe()
        #expect(copy.withBytes { $0.count } == 0)
        #expect(copy != Password("correct-horse-battery"))
    }

    @Test("zeroing a buffer leaves only zeros in it")
    func zeroing() {
        var bytes = Array("correct-horse-battery".utf8)
        bytes.withUnsafeMutableBytes { SecretBytes.zero($0) }
        #expect(bytes == Array(repeating: 0, count: 21))
    }

    @Test("a parsed /login holds the password's bytes exactly, without the rest of the line")
    func parsedLogin() {
        let parsed = Command.parse(Array("/login alice correct-horse".utf8))
        guard case .success(.login(let name, let password))? = parsed else {
            Issue.record("not a login: \(String(describing: parsed))")
            return
        }
        #expect(name.description.lowercased() == "alice")
        #expect(password.withBytes { Array($0) } == Array("correct-horse".utf8))
    }
}
