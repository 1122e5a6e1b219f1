import ChatCore
import Logging
import ParleyPlatform

/// A fixed pool of threads that run the password hasher (scrypt) for the Gate, about one
/// per core: a burst of logins queues here, bounded in memory (each hash holds its own
/// scrypt buffer), while the rooms' threads keep chatting.
///
/// The pool takes jobs in the order the Gate sends them. Fairness is the Gate's: it keeps
/// at most `Limits.hashingSlots` jobs here (the server sets that to the number of
/// workers) and holds the rest in its own queue, in turn by address, where the work of a
/// session that has gone can still be dropped (`GateMessage.loginAbandoned`).
enum HashingPool<P: Platform> {
    static func start(workers: Int, hasher: any PasswordHashing, router: Router<P>, logger: Logger) -> Bool {
        let dummy = dummyHash(hasher, logger: logger)
        return (0..<max(1, workers)).allSatisfy { index in
            router.platform.spawnThread(name: "parley-hash-\(index)", stackSize: 1 << 20) {
                while let request = router.hasher.takeOne() {
                    router.send(answer(request, hasher: hasher, dummy: dummy, logger: logger))
                }
            }
        }
    }

    /// A hash of a random password at the pool's cost, made once: what a login for a
    /// missing account (`PasswordHash.noAccount`) is verified against, so that it costs
    /// what a login for an existing account does and its timing tells nothing.
    static func dummyHash(_ hasher: any PasswordHashing, logger: Logger) -> PasswordHash? {
        do {
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<24).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
            return try hasher.hash(Password(secret))
        } catch {
            logger.error(
                "could not make the dummy password hash; logins for missing accounts will answer sooner",
                metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Hashes or verifies, then wipes the password: nothing after the pool needs it.
    static func answer(
        _ request: HashRequest, hasher: any PasswordHashing, dummy: PasswordHash?, logger: Logger
    ) -> Mail {
        defer {
            switch request {
            case .hash(_, let password), .verify(_, let password, _): password.wipe()
            }
        }
        switch request {
        case .hash(let ticket, let password):
            do {
                return .gate(.hashed(ticket, try hasher.hash(password)))
            } catch {
                logger.error("password hashing failed", metadata: ["error": "\(error)"])
                return .gate(.hashFailed(ticket))
            }
        case .verify(let ticket, let password, let stored) where stored == .noAccount:
            // The same work as a real verify; never a match.
            _ = dummy.map { hasher.verify(password, against: $0) }
            return .gate(.verified(ticket, matches: false, rehashed: nil))
        case .verify(let ticket, let password, let stored):
            let verdict = hasher.verify(password, against: stored)
            // Raise an old cost while the password is at hand: the only time it is.
            let upgraded = verdict.matches && verdict.needsRehash ? try? hasher.hash(password) : nil
            return .gate(.verified(ticket, matches: verdict.matches, rehashed: upgraded))
        }
    }
}
