import ChatCore
import Logging
import ParleyPlatform

/// A fixed pool of threads that run the password hasher (scrypt) for the Gate, about one
/// per core: a burst of logins queues here, bounded in memory (each hash holds its own
/// scrypt buffer), while the rooms' threads keep chatting.
enum HashingPool<P: Platform> {
    static func start(workers: Int, hasher: any PasswordHashing, router: Router<P>, logger: Logger) -> Bool {
        (0..<max(1, workers)).allSatisfy { index in
            router.platform.spawnThread(name: "parley-hash-\(index)", stackSize: 1 << 20) {
                while let request = router.hasher.takeOne() {
                    router.send(answer(request, hasher: hasher, logger: logger))
                }
            }
        }
    }

    static func answer(_ request: HashRequest, hasher: any PasswordHashing, logger: Logger) -> Mail {
        switch request {
        case .hash(let ticket, let password):
            do {
                return .gate(.hashed(ticket, try hasher.hash(password)))
            } catch {
                logger.error("password hashing failed", metadata: ["error": "\(error)"])
                return .gate(.hashFailed(ticket))
            }
        case .verify(let ticket, let password, let stored):
            let verdict = hasher.verify(password, against: stored)
            // Raise an old cost while the password is at hand: the only time it is.
            let upgraded = verdict.matches && verdict.needsRehash ? try? hasher.hash(password) : nil
            return .gate(.verified(ticket, matches: verdict.matches, rehashed: upgraded))
        }
    }
}
