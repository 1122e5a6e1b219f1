import ChatCore
import Testing

/// The Gate's login policy, one rule a test: an event in, the effects out.
@Suite("Gate: the login policy")
struct LoginPolicyTests {
    let right = Password("hunter22"), wrong = Password("not-it-at-all")
    let stored = PasswordHash("h")

    func session(_ n: some BinaryInteger) -> SessionID { SessionID(UInt64(n)) }

    func limits(_ change: (inout Limits) -> Void) -> Limits {
        var limits = Limits.standard
        change(&limits)
        return limits
    }

    /// A login from start to its answer, the store finding the account and the pool
    /// saying whether the password matched; returns the answer's mail.
    @discardableResult
    func fullLogin(
        _ gate: inout Gate, _ id: SessionID, _ account: String, from address: String,
        matches: Bool, at now: Instant = t0
    ) -> [Mail] {
        let started = gate.receive(.login(id, name(account), matches ? right : wrong, address: address), now: now).mail
        guard case .store(.fetchAccount(let ticket, _, _))? = started.first else { return started }
        let found = gate.receive(.store(.accountFound(ticket, name(account), stored)), now: now).mail
        #expect(found == [.hasher(.verify(ticket, matches ? right : wrong, against: stored))])
        return gate.receive(.verified(ticket, matches: matches, rehashed: nil), now: now).mail
    }

    func isRateLimited(_ mail: [Mail], _ id: SessionID) -> Bool {
        guard mail.count == 1, case .session(id, .loginRefused(.rateLimited, _)) = mail[0] else { return false }
        return true
    }

    func isFetch(_ mail: [Mail]) -> Bool {
        guard mail.count == 1, case .store(.fetchAccount) = mail[0] else { return false }
        return true
    }

    // MARK: - Failed checks per (account, address)

    @Test("logins in flight count against the failed-login limit before any is checked")
    func inFlightCount() {
        var gate = Gate(limits: limits { $0.maxFailedLogins = 3 })
        for n in UInt64(1)...3 {
            #expect(
                gate.receive(.login(session(n), name("alice"), wrong, address: "a"), now: t0).mail
                    == [.store(.fetchAccount(Ticket(n), name("alice"), replyTo: .gate))])
        }
        #expect(
            isRateLimited(
                gate.receive(.login(session(4), name("alice"), wrong, address: "a"), now: t0).mail, session(4)))
    }

    @Test("after five failed checks from one address that address waits the window for that account")
    func pairWaitsTheWindow() {
        var gate = Gate()
        for n in 1...5 { fullLogin(&gate, session(n), "alice", from: "a", matches: false) }
        #expect(
            isRateLimited(
                gate.receive(.login(session(6), name("alice"), right, address: "a"), now: t0 + .seconds(59)).mail,
                session(6)))
        #expect(
            isFetch(gate.receive(.login(session(7), name("alice"), right, address: "a"), now: t0 + .seconds(60)).mail))
    }

    @Test("each time a pair fills its window again it waits twice as long")
    func growingBackoff() {
        var gate = Gate()
        for n in 1...5 { fullLogin(&gate, session(n), "alice", from: "a", matches: false) }
        let t1 = t0 + .seconds(60)
        for n in 6...10 { fullLogin(&gate, session(n), "alice", from: "a", matches: false, at: t1) }
        #expect(
            isRateLimited(
                gate.receive(.login(session(11), name("alice"), right, address: "a"), now: t1 + .seconds(119)).mail,
                session(11)))
        #expect(
            isFetch(gate.receive(.login(session(12), name("alice"), right, address: "a"), now: t1 + .seconds(120)).mail)
        )
    }

    @Test("the backoff never grows past the longest one")
    func backoffCap() {
        var gate = Gate(
            limits: limits {
                $0.maxFailedLogins = 1
                $0.maxLoginBackoff = .seconds(100)
            })
        // Waits of 60 s, then 100 (not 120), then 100 again: the pair never goes quiet.
        for (n, at) in zip(UInt64(1)..., [0, 60, 160]) {
            fullLogin(&gate, session(n), "alice", from: "a", matches: false, at: t0 + .seconds(at))
        }
        #expect(
            isRateLimited(
                gate.receive(.login(session(8), name("alice"), right, address: "a"), now: t0 + .seconds(259)).mail,
                session(8)))
        #expect(
            isFetch(gate.receive(.login(session(9), name("alice"), right, address: "a"), now: t0 + .seconds(260)).mail))
    }

    @Test("a pair that stays quiet for the longest backoff after its wait starts its backoff over")
    func backoffResets() {
        var gate = Gate(
            limits: limits {
                $0.maxFailedLogins = 1
                $0.maxLoginBackoff = .seconds(100)
            })
        // Waits of 60 s, then 100 until 160 s; quiet until 260 s: back to 60 s.
        for (n, at) in zip(UInt64(1)..., [0, 60, 260]) {
            fullLogin(&gate, session(n), "alice", from: "a", matches: false, at: t0 + .seconds(at))
        }
        #expect(
            isRateLimited(
                gate.receive(.login(session(8), name("alice"), right, address: "a"), now: t0 + .seconds(319)).mail,
                session(8)))
        #expect(
            isFetch(gate.receive(.login(session(9), name("alice"), right, address: "a"), now: t0 + .seconds(320)).mail))
    }

    @Test("a stranger's failed guesses do not lock the owner out from another address")
    func noStrangerLockout() {
        var gate = Gate()
        for n in 1...5 { fullLogin(&gate, session(n), "alice", from: "stranger", matches: false) }
        #expect(
            isRateLimited(
                gate.receive(.login(session(6), name("alice"), wrong, address: "stranger"), now: t0).mail, session(6)))
        #expect(
            fullLogin(&gate, session(7), "alice", from: "owner", matches: true).last
                == .session(session(7), .loggedIn(name("alice"), registered: false)))
    }

    @Test("a correct login does not wipe the failures of a guesser behind the same address")
    func matchKeepsFailures() {
        var gate = Gate(limits: limits { $0.maxFailedLogins = 2 })
        fullLogin(&gate, session(1), "alice", from: "a", matches: false)
        fullLogin(&gate, session(2), "alice", from: "a", matches: true)
        fullLogin(&gate, session(3), "alice", from: "a", matches: false)
        #expect(
            isRateLimited(
                gate.receive(.login(session(4), name("alice"), wrong, address: "a"), now: t0).mail, session(4)))
    }

    // MARK: - The address-wide cap

    @Test("failed checks from one address over many accounts meet the address-wide cap")
    func addressCap() {
        var gate = Gate(limits: limits { $0.maxFailedLoginsPerAddress = 2 })
        fullLogin(&gate, session(1), "alice", from: "a", matches: false)
        fullLogin(&gate, session(2), "bob", from: "a", matches: false)
        #expect(
            isRateLimited(
                gate.receive(.login(session(3), name("carol"), right, address: "a"), now: t0).mail, session(3)))
        #expect(isFetch(gate.receive(.login(session(4), name("carol"), right, address: "b"), now: t0).mail))
    }

    @Test("the address-wide cap counts an IPv6 /64 as one address")
    func addressCapPerSlash64() {
        var gate = Gate(limits: limits { $0.maxFailedLoginsPerAddress = 2 })
        fullLogin(&gate, session(1), "alice", from: "2001:db8:1:2::1", matches: false)
        fullLogin(&gate, session(2), "bob", from: "2001:db8:1:2:ffff::9", matches: false)
        #expect(
            isRateLimited(
                gate.receive(.login(session(3), name("carol"), right, address: "2001:db8:1:2::77"), now: t0).mail,
                session(3)))
        #expect(
            isFetch(gate.receive(.login(session(4), name("carol"), right, address: "2001:db8:1:3::1"), now: t0).mail))
    }

    @Test("correct passwords never trip the address-wide cap")
    func correctLoginsDoNotCount() {
        var gate = Gate(
            limits: limits {
                $0.maxFailedLogins = 1
                $0.maxFailedLoginsPerAddress = 1
            })
        for n in UInt64(1)...6 {
            #expect(
                fullLogin(&gate, session(n), "user\(n)", from: "a", matches: true).last
                    == .session(session(n), .loggedIn(name("user\(n)"), registered: false)))
        }
    }

    @Test("loopback is exempt from the address-wide cap")
    func loopbackExempt() {
        var gate = Gate(limits: limits { $0.maxFailedLoginsPerAddress = 1 })
        fullLogin(&gate, session(1), "alice", from: "127.0.0.1", matches: false)
        #expect(isFetch(gate.receive(.login(session(2), name("bob"), right, address: "127.0.0.1"), now: t0).mail))
    }

    // MARK: - One at a time, in turn

    @Test("a second login for an account waits until the first is checked")
    func oneCheckPerAccount() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("alice"), wrong, address: "a"), now: t0)
        _ = gate.receive(.login(session(2), name("alice"), right, address: "b"), now: t0)
        #expect(
            gate.receive(.store(.accountFound(Ticket(1), name("alice"), stored)), now: t0).mail == [
                .hasher(.verify(Ticket(1), wrong, against: stored))
            ])
        #expect(gate.receive(.store(.accountFound(Ticket(2), name("alice"), stored)), now: t0).mail.isEmpty)
        #expect(
            gate.receive(.verified(Ticket(1), matches: false, rehashed: nil), now: t0).mail == [
                .store(.audit(AuditRecord(.loginFailed, account: name("alice"), address: "a", at: t0))),
                .session(session(1), .loginRefused(.wrongCredentials, "wrong name or password")),
                .hasher(.verify(Ticket(2), right, against: stored)),
            ])
    }

    @Test("a second login from one address waits until the first is checked")
    func oneCheckPerAddress() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("alice"), wrong, address: "a"), now: t0)
        _ = gate.receive(.login(session(2), name("bob"), wrong, address: "a"), now: t0)
        _ = gate.receive(.store(.accountFound(Ticket(1), name("alice"), stored)), now: t0)
        #expect(gate.receive(.store(.accountFound(Ticket(2), name("bob"), stored)), now: t0).mail.isEmpty)
        #expect(
            gate.receive(.verified(Ticket(1), matches: false, rehashed: nil), now: t0).mail.last
                == .hasher(.verify(Ticket(2), wrong, against: stored)))
    }

    @Test("loopback may have several checks at the pool at once")
    func loopbackInParallel() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("alice"), right, address: "::1"), now: t0)
        _ = gate.receive(.login(session(2), name("bob"), right, address: "::1"), now: t0)
        _ = gate.receive(.store(.accountFound(Ticket(1), name("alice"), stored)), now: t0)
        #expect(
            gate.receive(.store(.accountFound(Ticket(2), name("bob"), stored)), now: t0).mail == [
                .hasher(.verify(Ticket(2), right, against: stored))
            ])
    }

    @Test("the Gate keeps at most its hashing slots at the pool")
    func hashingSlots() {
        var gate = Gate(limits: limits { $0.hashingSlots = 2 })
        for (n, address) in zip(UInt64(1)...3, ["a", "b", "c"]) {
            _ = gate.receive(.login(session(n), name("user\(n)"), right, address: address), now: t0)
        }
        let sent = (UInt64(1)...3).flatMap { n in
            gate.receive(.store(.accountFound(Ticket(n), name("user\(n)"), stored)), now: t0).mail
        }
        #expect(
            sent == [
                .hasher(.verify(Ticket(1), right, against: stored)),
                .hasher(.verify(Ticket(2), right, against: stored)),
            ])
    }

    @Test("waiting jobs go to the pool in turn by address, not first come first served")
    func roundRobin() {
        var gate = Gate(limits: limits { $0.hashingSlots = 1 })
        let logins: [(String, String)] = [("x", "busy"), ("y", "busy"), ("z", "busy"), ("w", "quiet")]
        for (n, (account, address)) in zip(UInt64(1)..., logins) {
            _ = gate.receive(.login(session(n), name(account), right, address: address), now: t0)
            _ = gate.receive(.store(.accountFound(Ticket(n), name(account), stored)), now: t0)
        }
        var order: [UInt64] = [1]
        for _ in 1...3 {
            let answer = gate.receive(.verified(Ticket(order.last!), matches: false, rehashed: nil), now: t0).mail
            guard case .hasher(.verify(let next, _, _))? = answer.last else { break }
            order.append(next.rawValue)
        }
        #expect(order == [1, 4, 2, 3])
    }

    // MARK: - Missing accounts

    @Test("a login for a missing account is checked against the dummy hash, then refused as wrong credentials")
    func missingAccountIsChecked() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("ghost"), wrong, address: "a"), now: t0)
        #expect(
            gate.receive(.store(.accountMissing(Ticket(1))), now: t0).mail == [
                .hasher(.verify(Ticket(1), wrong, against: PasswordHash.noAccount))
            ])
        #expect(
            gate.receive(.verified(Ticket(1), matches: false, rehashed: nil), now: t0).mail.last
                == .session(session(1), .loginRefused(.wrongCredentials, "wrong name or password")))
    }

    @Test("the dummy hash never logs anyone in, whatever the pool answers")
    func dummyNeverMatches() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("ghost"), wrong, address: "a"), now: t0)
        _ = gate.receive(.store(.accountMissing(Ticket(1))), now: t0)
        #expect(
            gate.receive(.verified(Ticket(1), matches: true, rehashed: nil), now: t0).mail.last
                == .session(session(1), .loginRefused(.wrongCredentials, "wrong name or password")))
        #expect(gate.onlineAccounts.isEmpty)
    }

    // MARK: - Registrations

    @Test("registrations from one address are limited within a window")
    func registrationWindow() {
        var gate = Gate(
            limits: limits {
                $0.maxRegistrationsPerAddress = 2
                $0.registrationWindow = .seconds(600)
            })
        #expect(isFetch(gate.receive(.register(session(1), name("n1"), right, address: "a"), now: t0).mail))
        #expect(isFetch(gate.receive(.register(session(2), name("n2"), right, address: "a"), now: t0).mail))
        #expect(
            isRateLimited(
                gate.receive(.register(session(3), name("n3"), right, address: "a"), now: t0).mail, session(3)))
        #expect(isFetch(gate.receive(.register(session(4), name("n4"), right, address: "b"), now: t0).mail))
        #expect(
            isFetch(gate.receive(.register(session(5), name("n5"), right, address: "a"), now: t0 + .seconds(600)).mail))
    }

    @Test("registrations count an IPv6 /64 as one address")
    func registrationsPerSlash64() {
        var gate = Gate(limits: limits { $0.maxRegistrationsPerAddress = 2 })
        #expect(isFetch(gate.receive(.register(session(1), name("n1"), right, address: "2001:db8::1"), now: t0).mail))
        #expect(isFetch(gate.receive(.register(session(2), name("n2"), right, address: "2001:db8::2"), now: t0).mail))
        #expect(
            isRateLimited(
                gate.receive(.register(session(3), name("n3"), right, address: "2001:db8::3:4"), now: t0).mail,
                session(3)))
        #expect(
            isFetch(gate.receive(.register(session(4), name("n4"), right, address: "2001:db8:0:1::1"), now: t0).mail))
    }

    @Test("a registration for a taken name is refused without a hash")
    func takenNameCostsNoHash() {
        var gate = Gate()
        _ = gate.receive(.register(session(1), name("bob"), right, address: "a"), now: t0)
        #expect(
            gate.receive(.store(.accountFound(Ticket(1), name("Bob"), stored)), now: t0).mail
                == [.session(session(1), .loginRefused(.nameTaken, "bob is taken"))])
    }

    @Test("a registration's hash waits its address's turn like a login's check")
    func registrationsQueueWithLogins() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("alice"), wrong, address: "a"), now: t0)
        _ = gate.receive(.register(session(2), name("bob"), right, address: "a"), now: t0)
        _ = gate.receive(.store(.accountFound(Ticket(1), name("alice"), stored)), now: t0)
        #expect(gate.receive(.store(.accountMissing(Ticket(2))), now: t0).mail.isEmpty)
        #expect(
            gate.receive(.verified(Ticket(1), matches: false, rehashed: nil), now: t0).mail.last
                == .hasher(.hash(Ticket(2), right)))
    }

    // MARK: - Sessions that go away

    @Test("a session that closes while its check waits in the queue is answered and its check dropped")
    func abandonedWhileQueued() {
        var gate = Gate(limits: limits { $0.maxFailedLogins = 1 })
        _ = gate.receive(.login(session(1), name("alice"), wrong, address: "a"), now: t0)
        _ = gate.receive(.login(session(2), name("alice"), wrong, address: "b"), now: t0)
        _ = gate.receive(.store(.accountFound(Ticket(1), name("alice"), stored)), now: t0)
        _ = gate.receive(.store(.accountFound(Ticket(2), name("alice"), stored)), now: t0)
        #expect(
            gate.receive(.loginAbandoned(session(2)), now: t0).mail == [
                .session(session(2), .loginRefused(.serverBusy, "the login was abandoned"))
            ])
        #expect(
            !gate.receive(.verified(Ticket(1), matches: false, rehashed: nil), now: t0).mail.contains {
                if case .hasher = $0 { return true }
                return false
            })
        #expect(gate.attemptsInFlight == 0)
        // Never checked, so it took no place: b may try again at once.
        #expect(isFetch(gate.receive(.login(session(3), name("alice"), wrong, address: "b"), now: t0).mail))
    }

    @Test("a session that closes while the store looks its account up is answered when the store replies, unchecked")
    func abandonedWhileFetching() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("alice"), wrong, address: "a"), now: t0)
        #expect(gate.receive(.loginAbandoned(session(1)), now: t0).isEmpty)
        #expect(
            gate.receive(.store(.accountFound(Ticket(1), name("alice"), stored)), now: t0).mail
                == [.session(session(1), .loginRefused(.serverBusy, "the login was abandoned"))])
    }

    @Test("a session that closes while its check is at the pool hears the check's answer")
    func abandonedAtThePool() {
        var gate = Gate()
        _ = gate.receive(.login(session(1), name("alice"), right, address: "a"), now: t0)
        _ = gate.receive(.store(.accountFound(Ticket(1), name("alice"), stored)), now: t0)
        #expect(gate.receive(.loginAbandoned(session(1)), now: t0).isEmpty)
        #expect(
            gate.receive(.verified(Ticket(1), matches: true, rehashed: nil), now: t0).mail.last
                == .session(session(1), .loggedIn(name("alice"), registered: false)))
    }
}
