/// A client persona that guesses passwords: it types `/login TARGET <wrong-password>`
/// again and again, ahead of its answers, and reconnects when it is thrown out. Some
/// seeds give several guessers one address, so one address has several connections
/// guessing at one account at once; some guessers now and then try an account that does
/// not exist, or type the right password (the owner, behind the same address).
///
/// Fixtures hold the placeholders only (`<wrong-password>`, `<password>`), never a password.
public struct GuessingPlan: Codable, Equatable, Sendable {
    /// The clients that guess, by number.
    public var guessers: [Int]
    /// The account they guess at.
    public var target: String
    /// Chance a guess goes to a name no account has.
    public var missingTarget: Double
    /// Chance a guess is the right password.
    public var rightPassword: Double
    /// Commands a guesser types ahead of its answers.
    public var typeAhead: Int
    /// Connections a guesser may open in a run.
    public var connections: Int
    /// Chance a line is a registration of a new name instead of a guess (nil: never), so
    /// that one address registers past its limit.
    public var registering: Double?

    /// A name no simulated account has, and no client registers.
    static let missingAccount = "ghost"
    /// The address guessers share when a seed puts them behind one.
    static let sharedAddress = "10.0.9.9"

    func isGuesser(_ client: Int) -> Bool { guessers.contains(client) }

    /// The next guess.
    func guess(_ random: inout SeededRandom) -> String {
        if let registering, random.chance(registering) { return "/register r\(random.within(1...9)) <password>" }
        if random.chance(missingTarget) { return "/login \(GuessingPlan.missingAccount) <wrong-password>" }
        return "/login \(target) \(random.chance(rightPassword) ? "<password>" : "<wrong-password>")"
    }

    /// Draws a seed's guessers, if it has any: the last one to three clients (the first
    /// keep chatting and own the target account), behind one address in most such seeds.
    static func draw(_ random: inout SeededRandom, world: inout WorldSetup) -> GuessingPlan? {
        guard random.chance(0.45) else { return nil }
        let count = random.within(1...min(3, world.clients))
        let guessers = Array((world.clients - count + 1)...world.clients)
        if count > 1, random.chance(0.7) {
            // Behind one IPv4 address, or, in some seeds, each on its own address of one IPv6
            // /64, which the per-address limits count as one address, or each in its own /64
            // of one /48, which they count apart.
            let sameSite = random.chance(0.3)
            let apart = sameSite && random.chance(0.5)
            world.addresses = (1...world.clients).map {
                guard guessers.contains($0) else { return "10.0.0.\($0)" }
                guard sameSite else { return sharedAddress }
                return apart ? "2001:db8:9:\($0)::1" : "2001:db8:9:9::\($0)"
            }
        }
        return GuessingPlan(
            guessers: guessers,
            target: world.accounts[0],
            missingTarget: random.chance(0.5) ? 0 : 0.2,
            rightPassword: random.chance(0.5) ? 0 : 0.1,
            typeAhead: random.within(1...6),
            connections: random.within(1...6),
            registering: random.chance(0.4) ? Double(random.within(2...8)) / 10 : nil
        )
    }
}

extension World {
    /// A client's remote address, as its sessions give it to the Gate.
    func address(ofClient number: Int) -> String {
        if let addresses = setup.addresses, number <= addresses.count { return addresses[number - 1] }
        return "10.0.0.\(number)"
    }
}
