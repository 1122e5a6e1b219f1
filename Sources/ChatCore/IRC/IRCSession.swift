/// One IRC client's actor. It wraps a Parley `Session` and translates: each IRC command
/// becomes the Parley command line it means, fed to the inner session, and each line the
/// inner session writes becomes the IRC replies a client expects. So every rule (login,
/// limits, rooms, whispers, closing and unwinding) is the Session's, in one place; this
/// actor adds only IRC's registration, numerics and the one-room mapping.
///
/// Parley commands in flight are kept in order (`inFlight`), and each answer settles the
/// oldest: every Parley command is answered exactly once (an `OK`, an `ERR`, `USERS`,
/// `ROOMS`, or the room's echo of a message), in order, so each answer is read in the
/// context of the command that asked for it. Messages to the current channel pipeline, as
/// a Parley client's lines do: the room answers them in the order it took them (stored,
/// then echoed; the store answers in order), so only a line Parley takes as a message
/// pipelines: one its parser refuses is answered at once and would overtake the echoes
/// before it. Any other line waits until nothing is in flight, and nothing goes on behind
/// it until it is answered, so a JOIN, PART or QUIT follows what was typed before it. A
/// whisper waits too: its room may refuse it at once (no such user) while earlier
/// messages are still at the store, so its answer could overtake theirs.
public struct IRCSession: ConnectionSession, Hashable {
    public let id: SessionID
    /// This server's name in replies' prefixes, `PING` and `PONG` (see `isServerName`).
    public let serverName: String
    /// The server's name in replies' prefixes unless `parley serve --irc-server-name` says
    /// another; users are `nick!nick@<userHost>` whatever it is.
    public static let defaultServerName = "parley"
    public static let userHost = "parley"
    /// The capabilities offered in `CAP LS` (IRCv3).
    public static let capabilities = [
        "echo-message", "message-tags", "multi-prefix", "sasl", "server-time", "userhost-in-names",
    ]
    /// A client quiet this long gets a `PING`; one that does not answer within `pingTimeout` is closed.
    public static let idlePing: Duration = .seconds(90)
    public static let pingTimeout: Duration = .seconds(60)

    private var inner: Session
    private let limits: Limits
    /// Added to `now` to get Unix time, for `server-time` (time is an input, not a clock).
    private let wallClockOffset: Duration
    private var framer: LineFramer
    private var bucket: TokenBucket?
    private var held: [LineFramer.Output] = []
    private var steps: [Step] = []
    /// The Parley commands fed and not yet answered, oldest first.
    private var inFlight: [Awaiting] = []
    /// Kicked out of a temporary room: what was in flight there is answered with errors
    /// (or not at all) until the inner session is back in global, so nothing goes on before.
    private var rejoining = false
    /// Kicked with a whisper in flight: the room answers it whatever happens (sent, no such
    /// user, or not stored), possibly after the session is back in global, so that answer is
    /// swallowed before anything else goes on; otherwise it would settle a later command.
    private var kickedWhisperUnanswered = false
    /// The last pump stopped for the bucket: a line is ready when its token comes.
    private var wantsToken = false
    private var state: State = .registering(Registration())
    private var enabled: Set<String> = []
    private var outboxBytes = 0
    private var lastHeard: Instant
    private var pingSent: Instant?
    /// The connection is closing: nothing more is written but what closes it.
    private var closed = false
    /// The outbound bound was hit: the inner session must unwind at the end of the event.
    private var slowReader = false

    enum State: Hashable, Sendable {
        /// Before `001`: collecting CAP, NICK, USER, PASS or SASL.
        case registering(Registration)
        /// Welcomed as this account, in this channel (a Parley room).
        case welcomed(Name, channel: Name)
    }

    struct Registration: Hashable, Sendable {
        var nick: String?
        var user = false
        var negotiatingCaps = false
        var password: String?
        /// SASL PLAIN's base64 so far, while an `AUTHENTICATE PLAIN` exchange is open.
        var sasl: String?
        /// Logged in (by SASL, PASS or REGISTER) as this account.
        var account: Name?
        var toldHowToLogIn = false
        /// Whispers that came after the login and before `001` (CAP END still on its way):
        /// written after the welcome, since they are in no history. At most `maxEarlyWhispers`.
        var earlyWhispers: [ServerLine] = []
    }

    /// Whispers kept for a client between its login and its welcome; later ones are dropped.
    public static let maxEarlyWhispers = 32

    /// What the one Parley command in flight is for.
    enum Awaiting: Hashable, Sendable {
        case login(Name, viaSASL: Bool)
        case register(Name)
        case say(Name, notice: Bool)
        case whisper(Name, text: String, notice: Bool)
        case names(Name, NamesReply)
        /// `only`: the channels LIST asked about, nil for all.
        case list(current: Name, only: Set<Name>?)
        case leave(Name)
        case kick(Name)
        case join(Name, attempts: Int)
        case create(Name, attempts: Int)
    }

    /// Which query a `/users` answers.
    enum NamesReply: Hashable, Sendable {
        case names, who
    }

    /// Work of this actor's own, done before the next line from the client.
    enum Step: Hashable, Sendable {
        /// JOIN one channel: planned from wherever the session is when it comes up.
        case join(Name)
        case part(Name)
        case names(Name, NamesReply)
    }

    public init(
        id: SessionID, address: String, limits: Limits = .standard, wallClockOffset: Duration, now: Instant,
        serverName: String = IRCSession.defaultServerName
    ) {
        self.id = id
        self.serverName = serverName
        var innerLimits = limits
        innerLimits.rate = nil  // this actor's own bucket counts every IRC line, queries included
        self.inner = Session(id: id, address: address, limits: innerLimits, now: now)
        self.limits = limits
        self.wallClockOffset = wallClockOffset
        self.framer = LineFramer(maxUnterminatedBytes: limits.maxUnterminatedBytes)
        self.bucket = limits.rate.map { TokenBucket(limit: $0, now: now) }
        self.lastHeard = now
    }

    // MARK: - What others may read

    public var account: Name? { inner.account }
    public var room: RoomRef? { inner.room }
    public var isFinished: Bool { inner.isFinished }
    public var isClosing: Bool { inner.isClosing }

    /// The inner session's timer, the next token while lines wait, and the ping timers.
    public var pendingWake: Instant? {
        var wake = inner.pendingWake
        func sooner(_ other: Instant) { wake = wake.map { min($0, other) } ?? other }
        if !closed, case .welcomed = state {
            sooner(pingSent.map { $0 + IRCSession.pingTimeout } ?? lastHeard + IRCSession.idlePing)
        }
        if !closed, wantsToken, !held.isEmpty, let bucket { sooner(bucket.nextToken(now: lastHeard)) }
        return wake
    }

    // MARK: - Events from the shell

    public mutating func opened(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        absorb(inner.opened(now: now), now: now, &effects)
        return effects
    }

    public mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        guard !closed, !inner.isClosing else { return effects }
        lastHeard = now
        pingSent = nil
        for output in framer.append(bytes) {
            if output == .overflow {
                close("no newline in \(limits.maxUnterminatedBytes) bytes", now: now, &effects)
                return effects
            }
            held.append(output)
        }
        if held.count > limits.maxHeldLines {
            close("Excess Flood", now: now, &effects)
            return effects
        }
        pump(now: now, &effects)
        return effects
    }

    public mutating func tick(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        absorb(inner.tick(now: now), now: now, &effects)
        guard !closed, case .welcomed = state else {
            pump(now: now, &effects)
            return effects
        }
        if let pingSent, now >= pingSent + IRCSession.pingTimeout {
            close("Ping timeout: \(IRCSession.pingTimeout.components.seconds) seconds", now: now, &effects)
            return effects
        }
        if pingSent == nil, now >= lastHeard + IRCSession.idlePing {
            pingSent = now
            emit(IRCMessage("PING", [serverName]), &effects)
        }
        pump(now: now, &effects)
        return effects
    }

    public mutating func outputSent(bytes: Int) {
        outboxBytes = max(0, outboxBytes - bytes)
        inner.outputSent(bytes: bytes)
    }

    public mutating func connectionLost(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        closed = true
        absorb(inner.connectionLost(now: now), now: now, &effects)
        return effects
    }

    public mutating func shutdown(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        absorb(inner.shutdown(now: now), now: now, &effects)
        return effects
    }

    public mutating func outputBudgetSpent(now: Instant) -> [SessionEffect] {
        var effects: [SessionEffect] = []
        guard !closed else { return effects }
        outboxBytes = 0
        close("you are not reading fast enough for the server", now: now, &effects)
        return effects
    }

    public mutating func receive(_ message: SessionMessage, now: Instant, into effects: inout [SessionEffect]) {
        var innerEffects: [SessionEffect] = []
        inner.receive(message, now: now, into: &innerEffects)
        absorb(innerEffects, now: now, &effects)
        pump(now: now, &effects)
    }

    // MARK: - Lines from the client

    /// Runs this actor's own steps, then the client's lines: each when nothing is in
    /// flight, or behind messages in flight when it is a message to the channel too.
    private mutating func pump(now: Instant, _ effects: inout [SessionEffect]) {
        defer {
            if slowReader, !inner.isClosing { absorb(inner.connectionLost(now: now), now: now, &effects) }
        }
        wantsToken = false
        while !closed, !inner.isClosing {
            if rejoining {
                guard inner.room != nil else { return }
                rejoining = false
            }
            if !steps.isEmpty {
                guard inFlight.isEmpty else { return }
                run(steps.removeFirst(), now: now, &effects)
                continue
            }
            // The client's own lines wait for the kicked room's answer to its whisper.
            guard !kickedWhisperUnanswered, let next = held.first else { return }
            let parsed: Result<IRCMessage, IRCMessage.ParseError>??
            if case .line(let bytes) = next { parsed = IRCMessage.parse(bytes) } else { parsed = nil }
            guard inFlight.isEmpty || pipelines(parsed) else { return }
            if bucket != nil, !bucket!.take(now: now) {
                wantsToken = true
                return
            }
            held.removeFirst()
            switch parsed {
            case .none: reply("417", ["Input line was too long"], &effects)  // .tooLong, .overflow
            case .some(.none): break
            case .some(.success(let message)?): handle(message, now: now, &effects)
            case .some(.failure(.tooLong)?): reply("417", ["Input line was too long"], &effects)
            case .some(.failure(.invalidUTF8)?): emit(notice("lines must be UTF-8; that one was dropped"), &effects)
            case .some(.failure(.noCommand)?): reply("421", ["*", "Unknown command"], &effects)
            }
        }
    }

    /// Whether a line may go on while messages are in flight: only a message to the
    /// channel that Parley's parser takes as one (so the room answers it, in turn),
    /// behind messages only.
    private func pipelines(_ parsed: Result<IRCMessage, IRCMessage.ParseError>??) -> Bool {
        guard case .some(.success(let message)?) = parsed, case .welcomed(_, let channel) = state,
            message.command == "PRIVMSG" || message.command == "NOTICE",
            case .channel(let line) = utterance(message, channel: channel),
            case .success(let command)? = Command.parse(line.utf8, minPasswordBytes: limits.minPasswordBytes)
        else { return false }
        switch command {
        case .say, .act: break
        default: return false
        }
        return inFlight.allSatisfy { if case .say = $0 { true } else { false } }
    }

    private mutating func handle(_ message: IRCMessage, now: Instant, _ effects: inout [SessionEffect]) {
        let parameters = message.parameters
        switch message.command {
        case "CAP": capability(parameters, now: now, &effects)
        case "PING" where parameters.isEmpty:
            reply("409", ["No origin specified"], &effects)
        case "PING":
            emit(
                IRCMessage(source: serverName, "PONG", [serverName] + parameters.prefix(1)),
                &effects)
        case "PONG": pingSent = nil
        case "QUIT": feed(IRCSession.quitLine(parameters.first), now: now, &effects)
        case "NICK", "USER", "PASS", "AUTHENTICATE", "REGISTER":
            switch state {
            case .registering(var registration):
                register(message, &registration, now: now, &effects)
            case .welcomed(let account, _):
                alreadyRegistered(message, account: account, &effects)
            }
        default:
            switch state {
            case .registering:
                reply("451", [message.command, "You have not registered"], &effects)
            case .welcomed(let account, let channel):
                command(message, account: account, channel: channel, now: now, &effects)
            }
        }
    }

    // MARK: - Registration

    private mutating func capability(_ parameters: [String], now: Instant, _ effects: inout [SessionEffect]) {
        let sub = parameters.first?.uppercased() ?? ""
        if case .registering(var registration) = state, sub == "LS" || sub == "REQ" {
            registration.negotiatingCaps = true
            state = .registering(registration)
        }
        switch sub {
        case "LS":
            let offered = IRCSession.capabilities.map { $0 == "sasl" && parameters.count > 1 ? "sasl=PLAIN" : $0 }
            emit(server("CAP", [target, "LS", offered.joined(separator: " ")]), &effects)
        case "LIST":
            emit(server("CAP", [target, "LIST", enabled.sorted().joined(separator: " ")]), &effects)
        case "REQ":
            let asked = (parameters.count > 1 ? parameters[1] : "").split(separator: " ").map(String.init)
            let known = asked.allSatisfy {
                IRCSession.capabilities.contains($0.hasPrefix("-") ? String($0.dropFirst()) : $0)
            }
            guard known, !asked.isEmpty else {
                return emit(server("CAP", [target, "NAK", asked.joined(separator: " ")]), &effects)
            }
            for cap in asked {
                if cap.hasPrefix("-") { enabled.remove(String(cap.dropFirst())) } else { enabled.insert(cap) }
            }
            emit(server("CAP", [target, "ACK", asked.joined(separator: " ")]), &effects)
        case "END":
            guard case .registering(var registration) = state else { return }
            registration.negotiatingCaps = false
            tryToFinish(registration, now: now, &effects)
        default:
            reply("410", [parameters.first ?? "", "Invalid CAP command"], &effects)
        }
    }

    private mutating func register(
        _ message: IRCMessage, _ registration: inout Registration, now: Instant, _ effects: inout [SessionEffect]
    ) {
        let parameters = message.parameters
        switch message.command {
        case "NICK":
            guard let nick = parameters.first, !nick.isEmpty else {
                return reply("431", ["No nickname given"], &effects)
            }
            guard Name(nick) != nil else {
                return reply("432", [nick, "Erroneous nickname: 1 to 32 of A-Z a-z 0-9 _ -"], &effects)
            }
            registration.nick = nick
        case "USER":
            guard parameters.count >= 4, !parameters[0].isEmpty, !parameters[3].isEmpty else {
                return reply("461", ["USER", "Not enough parameters"], &effects)
            }
            registration.user = true
        case "PASS":
            guard let password = parameters.first else {
                return reply("461", ["PASS", "Not enough parameters"], &effects)
            }
            registration.password = password
        case "AUTHENTICATE":
            return authenticate(parameters.first ?? "", &registration, now: now, &effects)
        default:  // REGISTER <account> <email or *> <password>, IRCv3 draft/account-registration
            return registerAccount(parameters, &registration, now: now, &effects)
        }
        tryToFinish(registration, now: now, &effects)
    }

    /// `AUTHENTICATE PLAIN`, then the base64 of `authzid NUL authcid NUL password` in
    /// pieces of 400 (a piece shorter than 400, or `+`, ends it).
    private mutating func authenticate(
        _ argument: String, _ registration: inout Registration, now: Instant, _ effects: inout [SessionEffect]
    ) {
        defer { state = .registering(registration) }
        if registration.account != nil { return reply("907", ["You have already authenticated using SASL"], &effects) }
        if argument == "*" {
            registration.sasl = nil
            return reply("906", ["SASL authentication aborted"], &effects)
        }
        guard let sofar = registration.sasl else {
            guard argument.uppercased() == "PLAIN" else {
                reply("908", ["PLAIN", "are available SASL mechanisms"], &effects)
                return reply("904", ["SASL authentication failed"], &effects)
            }
            registration.sasl = ""
            return emit(IRCMessage("AUTHENTICATE", ["+"]), &effects)
        }
        let payload = sofar + (argument == "+" ? "" : argument)
        guard argument.utf8.count == 400, payload.utf8.count < 1600 else {
            registration.sasl = nil
            return plain(payload, now: now, &effects)
        }
        registration.sasl = payload
    }

    private mutating func plain(_ payload: String, now: Instant, _ effects: inout [SessionEffect]) {
        let fields = IRCText.base64Decoded(payload)?.split(separator: 0, omittingEmptySubsequences: false)
        guard let fields, fields.count == 3, let account = Name(String(decoding: fields[1], as: UTF8.self)),
            let password = IRCSession.password(String(decoding: fields[2], as: UTF8.self))
        else {
            return reply("904", ["SASL authentication failed: not PLAIN's authzid, account and password"], &effects)
        }
        expect(.login(account, viaSASL: true))
        feed("/login \(account) \(password)", now: now, &effects)
    }

    private mutating func registerAccount(
        _ parameters: [String], _ registration: inout Registration, now: Instant, _ effects: inout [SessionEffect]
    ) {
        state = .registering(registration)
        guard parameters.count >= 3 else {
            return emit(server("FAIL", ["REGISTER", "NEED_MORE_PARAMS", "REGISTER <account> * <password>"]), &effects)
        }
        guard registration.account == nil else {
            return emit(
                server("FAIL", ["REGISTER", "ALREADY_AUTHENTICATED", parameters[0], "You are logged in"]), &effects)
        }
        let account = parameters[0] == "*" ? registration.nick ?? "" : parameters[0]
        guard let name = Name(account) else {
            return emit(
                server("FAIL", ["REGISTER", "BAD_ACCOUNT_NAME", account, "1 to 32 of A-Z a-z 0-9 _ -"]), &effects)
        }
        guard let password = IRCSession.password(parameters[2]) else {
            return emit(
                server("FAIL", ["REGISTER", "UNACCEPTABLE_PASSWORD", account, "no spaces or control characters"]),
                &effects)
        }
        expect(.register(name))
        feed("/register \(name) \(password)", now: now, &effects)
    }

    /// A password that can go on a Parley command line (Parley's passwords have no spaces).
    private static func password(_ text: String) -> String? {
        guard !text.isEmpty, !text.unicodeScalars.contains(where: { $0 == " " || Command.isControl($0) }) else {
            return nil
        }
        return text
    }

    /// Registration ends when NICK and USER are in, CAP negotiation is over and the
    /// client is logged in with the nick as its account name. PASS logs in here.
    private mutating func tryToFinish(_ registration: Registration, now: Instant, _ effects: inout [SessionEffect]) {
        var registration = registration
        defer { if case .registering = state { state = .registering(registration) } }
        guard let nick = registration.nick, registration.user, !registration.negotiatingCaps else { return }
        if registration.sasl != nil {
            // Registration finished mid-exchange: SASL 3.1 says abort it (906) and go on without it.
            registration.sasl = nil
            reply("906", ["SASL authentication aborted"], &effects)
        }
        if let account = registration.account {
            guard account == Name(nick) else {
                return reply("433", [nick, "Nicknames are account names: you are logged in as \(account)"], &effects)
            }
            return welcome(account, now: now, &effects)
        }
        if let pass = registration.password {
            let parts = pass.split(separator: ":", maxSplits: 1).map(String.init)
            let (accountText, secret) = parts.count == 2 ? (parts[0], parts[1]) : (nick, pass)
            guard let account = Name(accountText), let password = IRCSession.password(secret) else {
                return reply("464", ["Password incorrect: PASS account:password"], &effects)
            }
            guard account == Name(nick) else {
                return reply("433", [nick, "Nicknames are account names: use NICK \(account)"], &effects)
            }
            registration.password = nil
            expect(.login(account, viaSASL: false))
            return feed("/login \(account) \(password)", now: now, &effects)
        }
        guard !registration.toldHowToLogIn else { return }
        registration.toldHowToLogIn = true
        emit(
            notice(
                "Parley needs an account: log in with SASL PLAIN or PASS account:password, "
                    + "or create one with REGISTER <account> * <password> (or in `parley chat`)"), &effects)
    }

    private mutating func welcome(_ account: Name, now: Instant, _ effects: inout [SessionEffect]) {
        guard case .registering(let registration) = state else {
            preconditionFailure("a session is welcomed once, from registering")
        }
        state = .welcomed(account, channel: .global)
        let me = account.text
        reply("001", ["Welcome to Parley, \(me)!\(me)@\(IRCSession.userHost)"], &effects)
        reply("002", ["Your host is \(serverName), running Parley"], &effects)
        reply("003", ["This server speaks Parley's rules: one room at a time"], &effects)
        reply("004", [serverName, "parley", "i", "nt"], &effects)
        reply(
            "005",
            [
                "CHANTYPES=#", "CASEMAPPING=ascii", "NICKLEN=\(Name.maxLength)", "CHANNELLEN=\(Name.maxLength + 1)",
                "NETWORK=Parley", "UTF8ONLY", "are supported by this server",
            ], &effects)
        reply("422", ["MOTD File is missing"], &effects)
        emit(fromUser(me, "JOIN", ["#global"], now: now), &effects)
        for whisper in registration.earlyWhispers { translate(whisper, now: now, &effects) }
        steps.append(.names(.global, .names))
    }

    private mutating func alreadyRegistered(_ message: IRCMessage, account: Name, _ effects: inout [SessionEffect]) {
        switch message.command {
        case "NICK" where message.parameters.first.flatMap(Name.init) == account:
            break  // the nick it has
        case "NICK":
            reply("433", [message.parameters.first ?? "*", "Nicknames are account names on Parley"], &effects)
        case "AUTHENTICATE":
            // No re-authentication after 001 (SASL 3.2 allows it; Parley's login is once).
            reply("462", ["You may not reauthenticate"], &effects)
        case "REGISTER":
            emit(server("FAIL", ["REGISTER", "ALREADY_AUTHENTICATED", account.text, "You are logged in"]), &effects)
        default:
            reply("462", ["You may not reregister"], &effects)
        }
    }

    // MARK: - After registration

    private mutating func command(
        _ message: IRCMessage, account: Name, channel: Name, now: Instant, _ effects: inout [SessionEffect]
    ) {
        let parameters = message.parameters
        switch message.command {
        case "JOIN":
            guard let list = parameters.first else { return reply("461", ["JOIN", "Not enough parameters"], &effects) }
            if list == "0" { return steps.append(.part(channel)) }
            for item in list.split(separator: ",") {
                guard let name = IRCSession.channel(item) else {
                    reply("403", [String(item), "No such channel: channels are # and a Parley room name"], &effects)
                    continue
                }
                steps.append(.join(name))
            }
        case "PART":
            guard let list = parameters.first else { return reply("461", ["PART", "Not enough parameters"], &effects) }
            for item in list.split(separator: ",") {
                guard let name = IRCSession.channel(item) else {
                    reply("403", [String(item), "No such channel"], &effects)
                    continue
                }
                steps.append(.part(name))
            }
        case "PRIVMSG", "NOTICE":
            say(message, channel: channel, now: now, &effects)
        case "NAMES":
            // "NAMES invalid" has no error reply: RPL_ENDOFNAMES for the name as given.
            if let given = parameters.first, IRCSession.channel(given) == nil {
                return reply("366", [given, "End of /NAMES list"], &effects)
            }
            let name = parameters.first.flatMap { IRCSession.channel($0) } ?? channel
            steps.append(.names(name, .names))
        case "WHO":
            if let name = parameters.first.flatMap({ IRCSession.channel($0) }) {
                steps.append(.names(name, .who))
            } else {
                reply("315", [parameters.first ?? "*", "End of WHO list"], &effects)
            }
        case "WHOIS":
            guard let nick = parameters.last, let name = Name(nick) else {
                return reply("431", ["No nickname given"], &effects)
            }
            reply("311", [name.text, name.text, IRCSession.userHost, "*", name.text], &effects)
            reply("318", [name.text, "End of WHOIS list"], &effects)
        case "LIST":
            // LIST #a,#b: only those of the live rooms (a name that is no channel matches nothing).
            let only = parameters.first.map { $0.split(separator: ",").map { IRCSession.channel($0) } }
            expect(.list(current: channel, only: only.map { Set($0.compactMap { $0 }) }))
            feed("/chatrooms", now: now, &effects)
        case "TOPIC":
            guard let target = parameters.first else {
                return reply("461", ["TOPIC", "Not enough parameters"], &effects)
            }
            if parameters.count > 1 { return reply("482", [target, "Parley rooms have no topic"], &effects) }
            reply("331", [target, "No topic is set"], &effects)
        case "MODE":
            mode(parameters, account: account, &effects)
        case "KICK":
            // KICK #channel nick [:reason]: Parley's /kick, in the room this session is in.
            guard parameters.count >= 2, let name = Name(parameters[1]) else {
                return reply("461", ["KICK", "Not enough parameters"], &effects)
            }
            guard IRCSession.channel(parameters[0]) == channel else {
                return reply("442", [parameters[0], "You're not on that channel (one room at a time)"], &effects)
            }
            let reason = parameters.count > 2 && !parameters[2].isEmpty ? " \(parameters[2])" : ""
            expect(.kick(channel))
            feed("/kick \(name)\(reason)", now: now, &effects)
        case "AWAY":
            reply(parameters.first?.isEmpty == false ? "306" : "305", ["Away is not kept on Parley"], &effects)
        default:
            reply("421", [message.command, "Unknown command"], &effects)
        }
    }

    private mutating func mode(_ parameters: [String], account: Name, _ effects: inout [SessionEffect]) {
        guard let target = parameters.first else { return reply("461", ["MODE", "Not enough parameters"], &effects) }
        guard target.hasPrefix("#") else {
            return Name(target) == account
                ? reply("221", ["+"], &effects) : reply("502", ["Cannot change mode for other users"], &effects)
        }
        switch parameters.count > 1 ? parameters[1] : "" {
        case "": reply("324", [target, "+nt"], &effects)
        case "b", "+b": reply("368", [target, "End of channel ban list"], &effects)
        case "e", "+e", "I", "+I":
            reply(parameters[1].hasSuffix("e") ? "349" : "347", [target, "End of list"], &effects)
        default: reply("482", [target, "Parley rooms have no modes to change"], &effects)
        }
    }

    /// What a PRIVMSG or NOTICE comes to: refused here, a message to the channel, or a whisper.
    private enum Utterance {
        case refused(numeric: String, [String])
        /// The Parley line: the text, or `/me` and the text of a CTCP ACTION.
        case channel(line: String)
        case whisper(Name, text: String)
    }

    private func utterance(_ message: IRCMessage, channel: Name) -> Utterance {
        guard let target = message.parameters.first else {
            return .refused(numeric: "411", ["No recipient given (\(message.command))"])
        }
        guard message.parameters.count > 1, !message.parameters[1].isEmpty else {
            return .refused(numeric: "412", ["No text to send"])
        }
        var text = IRCText.strippingFormatting(message.parameters[1])
        // CTCP ACTION to a channel is Parley's /me.
        var isAction = false
        if target.hasPrefix("#"), text.hasPrefix("\u{1}ACTION ") {
            text = String(text.dropFirst(8))
            if text.hasSuffix("\u{1}") { text.removeLast() }
            isAction = true
        }
        guard !text.hasPrefix("\u{1}") else {
            return .refused(numeric: "404", [target, "CTCP is not supported on Parley"])
        }
        // Only spaces and tabs once the formatting is gone: Parley's parser ignores such a
        // line, so it would never be answered and would hold up everything behind it.
        guard !Command.isBlank(text) else {
            return .refused(numeric: "412", ["No text to send"])
        }
        if target.hasPrefix("#") {
            guard IRCSession.channel(target) == channel else {
                return .refused(
                    numeric: "404", [target, "Cannot send to channel: you are in #\(channel) (one room at a time)"])
            }
            guard !text.hasPrefix("/") else {
                return .refused(numeric: "404", [target, "A Parley message cannot start with /"])
            }
            return .channel(line: isAction ? "/me \(text)" : text)
        }
        guard let name = Name(target) else { return .refused(numeric: "401", [target, "No such nick"]) }
        return .whisper(name, text: text)
    }

    private mutating func say(_ message: IRCMessage, channel: Name, now: Instant, _ effects: inout [SessionEffect]) {
        let notice = message.command == "NOTICE"
        switch utterance(message, channel: channel) {
        case .refused(let numeric, let parameters):
            // NOTICE is never answered with an error (RFC 2812), so that two programs cannot loop.
            if !notice { reply(numeric, parameters, &effects) }
        case .channel(let line):
            expect(.say(channel, notice: notice))
            feed(line, now: now, &effects)
        case .whisper(let name, let text):
            expect(.whisper(name, text: text, notice: notice))
            feed("/whisper \(name) \(text)", now: now, &effects)
        }
    }

    /// A name this server may go by: 1 to 32 of `A-Z a-z 0-9 . -`, as a host name is spelled
    /// (short, so that replies keep within the 512 bytes their texts were cut for).
    public static func isServerName(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.allSatisfy { $0 == "." || $0 == "-" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// `#name` as a Parley room name, nil when it is not one.
    static func channel(_ text: some StringProtocol) -> Name? {
        guard text.first == "#" else { return nil }
        return Name(text.dropFirst())
    }

    // MARK: - Steps: JOIN, PART and queries against Parley's one room

    private mutating func run(_ step: Step, now: Instant, _ effects: inout [SessionEffect]) {
        guard case .welcomed(_, let channel) = state else { return }
        switch step {
        case .join(let target) where target == channel:
            break  // already there
        case .join(let target) where channel != .global:
            // One room at a time, and temporary rooms are joined from global: back there first.
            expect(.leave(channel))
            feed("/leave", now: now, &effects)
            if target != .global { steps.insert(.join(target), at: 0) }
        case .join(let target):
            expect(.join(target, attempts: 0))
            feed("/join \(target)", now: now, &effects)
        case .part(let target) where target != channel:
            reply("442", ["#\(target)", "You're not on that channel"], &effects)
        case .part:
            // From a temporary room, back to global; from global, Parley's /leave says goodbye.
            expect(.leave(channel))
            feed("/leave", now: now, &effects)
        case .names(let target, let kind) where target == channel:
            expect(.names(target, kind))
            feed("/users", now: now, &effects)
        case .names(let target, .names):
            reply("366", ["#\(target)", "End of /NAMES list"], &effects)
        case .names(let target, .who):
            reply("315", ["#\(target)", "End of WHO list"], &effects)
        }
    }

    // MARK: - Lines from the inner session

    /// Carries the inner session's effects out, its lines translated into IRC.
    private mutating func absorb(_ innerEffects: [SessionEffect], now: Instant, _ effects: inout [SessionEffect]) {
        for effect in innerEffects {
            switch effect {
            case .send, .retire:
                effects.append(effect)
            case .closeConnection:
                closed = true
                effects.append(effect)
            case .write(let line):
                translate(line, now: now, &effects)
            case .writeIRC:
                preconditionFailure("a Parley session writes ServerLines only")
            }
        }
    }

    /// The command an answer from the inner session settles: the oldest in flight.
    private var awaiting: Awaiting? { inFlight.first }

    private mutating func expect(_ command: Awaiting) { inFlight.append(command) }

    /// The command `awaiting` names is answered.
    private mutating func settle() {
        if !inFlight.isEmpty { inFlight.removeFirst() }
    }

    private mutating func feed(_ line: String, now: Instant, _ effects: inout [SessionEffect]) {
        absorb(inner.bytesReceived(Array((line + "\n").utf8), now: now), now: now, &effects)
    }

    private mutating func translate(_ line: ServerLine, now: Instant, _ effects: inout [SessionEffect]) {
        switch line {
        case .ok(let outcome):
            succeeded(outcome, now: now, &effects)
        case .error(let code, let text):
            if kickedWhisperUnanswered {
                kickedWhisperUnanswered = false  // the kicked room's answer to that whisper
                return
            }
            if rejoining { return }  // the kicked room's answers to what was in flight there
            failed(code, text, now: now, &effects)
        case .message(let room, let from, let text):
            guard case .welcomed(let account, _) = state else { return }  // global's chatter before 001
            if from == account, case .say(let sayRoom, let notice)? = awaiting, sayRoom == room {
                settle()
                if enabled.contains("echo-message") {
                    deliver(from: from, notice ? "NOTICE" : "PRIVMSG", to: "#\(room)", text, now: now, &effects)
                }
                return
            }
            deliver(from: from, "PRIVMSG", to: "#\(room)", text, now: now, &effects)
        case .action(let room, let from, let text):
            // A /me line is a CTCP ACTION, as IRC clients send and show it.
            guard case .welcomed(let account, _) = state else { return }
            let ctcp = "\u{1}ACTION \(text)\u{1}"
            if from == account, case .say(let sayRoom, _)? = awaiting, sayRoom == room {
                settle()
                if enabled.contains("echo-message") {
                    deliver(from: from, "PRIVMSG", to: "#\(room)", ctcp, now: now, &effects)
                }
                return
            }
            deliver(from: from, "PRIVMSG", to: "#\(room)", ctcp, now: now, &effects)
        case .whisper(let from, let to, let text):
            guard case .welcomed = state else {
                // Logged in (others can whisper to it) but not yet welcomed: keep it for 001.
                if case .registering(var registration) = state,
                    registration.earlyWhispers.count < IRCSession.maxEarlyWhispers
                {
                    registration.earlyWhispers.append(line)
                    state = .registering(registration)
                }
                return
            }
            deliver(from: from, "PRIVMSG", to: to.text, text, now: now, &effects)
        case .event(let room, let text):
            guard case .welcomed = state else { return }
            event(room: room, text, now: now, &effects)
        case .users(let room, let names):
            guard case .names(_, let kind)? = awaiting else { return }
            settle()
            users(room: room, names, kind, &effects)
        case .rooms(let names):
            guard case .list(_, let only)? = awaiting else { return }
            settle()
            list(names.filter { only?.contains($0) ?? true }, &effects)
        case .bye(_, let text):
            emit(IRCMessage("ERROR", ["Closing link: \(text)"]), &effects)
            closed = true
        case .history(let room, let at, let from, let text):
            // Played back as the channel's lines, stamped with their stored time
            // (`server-time`), so a client shows them as the past they are.
            guard case .welcomed = state else { return }
            deliver(from: from, "PRIVMSG", to: "#\(room)", text, at: at.millisecondsSinceEpoch, now: now, &effects)
        case .historyEnd:
            break  // IRC has no marker for it; the times say which lines were history.
        }
    }

    private mutating func succeeded(_ outcome: ServerLine.Outcome, now: Instant, _ effects: inout [SessionEffect]) {
        switch outcome {
        case .loggedIn(let account), .registered(let account):
            guard case .registering(var registration) = state else { return }
            let viaSASL = awaiting == .login(account, viaSASL: true)
            if case .register = awaiting {
                emit(server("REGISTER", ["SUCCESS", account.text, "Account created; you are logged in"]), &effects)
            }
            settle()
            registration.account = account
            let mask = "\(account)!\(account)@\(IRCSession.userHost)"
            reply("900", [mask, account.text, "You are now logged in as \(account)"], &effects)
            if viaSASL { reply("903", ["SASL authentication successful"], &effects) }
            tryToFinish(registration, now: now, &effects)
        case .returnedToGlobal(let from):
            guard case .welcomed(let account, let channel) = state else { return }
            settle()
            // Kicked while leaving: the KICK has already put the client in #global.
            guard channel == from else { return }
            state = .welcomed(account, channel: .global)
            emit(fromUser(account.text, "PART", ["#\(from)", "back to #global"], now: now), &effects)
            emit(fromUser(account.text, "JOIN", ["#global"], now: now), &effects)
            steps.insert(.names(.global, .names), at: 0)
        case .created(let room), .joined(let room):
            guard case .welcomed(let account, let channel) = state else { return }
            settle()
            state = .welcomed(account, channel: room)
            emit(
                fromUser(account.text, "PART", ["#\(channel)", "one room at a time: to #\(room)"], now: now), &effects)
            emit(fromUser(account.text, "JOIN", ["#\(room)"], now: now), &effects)
            steps.insert(.names(room, .names), at: 0)
        case .whisperSent(let target):
            if kickedWhisperUnanswered {
                kickedWhisperUnanswered = false
                return
            }
            guard case .whisper(_, let text, let notice)? = awaiting, case .welcomed(let account, _) = state else {
                return
            }
            settle()
            if enabled.contains("echo-message") {
                deliver(from: account, notice ? "NOTICE" : "PRIVMSG", to: target.text, text, now: now, &effects)
            }
        case .help(let text):
            emit(notice(text), &effects)
        case .kicked:
            // The room's EVENT has been sent as a KICK to everyone there, the kicker too.
            if case .kick? = awaiting { settle() }
        case .banned(let name):
            emit(notice("banned \(name)"), &effects)
        case .unbanned(let name):
            emit(notice("unbanned \(name)"), &effects)
        case .passwordChanged:
            emit(notice("password changed"), &effects)
        case .history:
            break  // Never asked: an IRC client reads history as it joins, not with /history.
        }
    }

    private mutating func failed(_ code: ErrorCode, _ text: String, now: Instant, _ effects: inout [SessionEffect]) {
        let pending = awaiting
        settle()
        switch pending {
        case .login(_, viaSASL: true)?:
            reply("904", ["SASL authentication failed: \(text)"], &effects)
        case .login(_, viaSASL: false)?:
            reply("464", ["Password incorrect: \(text)"], &effects)
            feed("/quit", now: now, &effects)
        case .register(let account)?:
            let reason: String
            switch code {
            case .nameTaken: reason = "ACCOUNT_EXISTS"
            case .badName: reason = "BAD_ACCOUNT_NAME"
            case .badPassword: reason = "UNACCEPTABLE_PASSWORD"
            case .rateLimited, .serverBusy: reason = "TEMPORARILY_UNAVAILABLE"
            default: reason = "UNKNOWN_ERROR"
            }
            emit(server("FAIL", ["REGISTER", reason, account.text, text]), &effects)
        case .say(let room, let notice)?:
            if !notice { reply("404", ["#\(room)", "Cannot send to channel: \(text)"], &effects) }
        case .whisper(let target, _, let notice)?:
            if !notice { reply(code == .noSuchUser ? "401" : "404", [target.text, text], &effects) }
        case .join(let room, let attempts)? where code == .noSuchRoom && attempts < 2:
            expect(.create(room, attempts: attempts + 1))
            feed("/createchatroom \(room)", now: now, &effects)
        case .create(let room, let attempts)? where code == .nameTaken && attempts < 2:
            expect(.join(room, attempts: attempts + 1))  // created by someone else meanwhile
            feed("/join \(room)", now: now, &effects)
        case .join(let room, _)?, .create(let room, _)?:
            reply(code == .serverBusy ? "405" : "403", ["#\(room)", "Cannot join channel: \(text)"], &effects)
        case .list(let current, let only)?:
            // Parley lists rooms from global only; here is where you are.
            list(only?.contains(current) ?? true ? [current] : [], &effects)
        case .kick(let channel)? where code == .notOperator || code == .notOwner:
            reply("482", ["#\(channel)", "You're not channel operator: \(text)"], &effects)
        case .names, .leave, .kick, .none:
            emit(notice(text), &effects)
        }
    }

    /// QUIT's reason as the `/quit` message, its colours and bold dropped, when Parley's line
    /// can carry it (no control characters, within a line); else a bare `/quit`, which
    /// always closes.
    static func quitLine(_ reason: String?) -> String {
        guard let reason = reason.map(IRCText.strippingFormatting), !Command.isBlank(reason),
            !reason.unicodeScalars.contains(where: Command.isControl),
            reason.utf8.count + 6 <= Limits.maxLineBytes
        else { return "/quit" }
        return "/quit \(reason)"
    }

    private mutating func event(room: Name, _ text: String, now: Instant, _ effects: inout [SessionEffect]) {
        let words = text.split(separator: " ")
        if words.count == 2, let who = Name(words[0]) {
            switch words[1] {
            case "joined": return emit(fromUser(who.text, "JOIN", ["#\(room)"], now: now), &effects)
            case "left": return emit(fromUser(who.text, "PART", ["#\(room)"], now: now), &effects)
            case "quit": return emit(fromUser(who.text, "QUIT", ["Quit"], now: now), &effects)
            default: break
            }
        }
        // "NAME quit: MESSAGE": the connection ended with a /quit message.
        if words.count >= 3, words[1] == "quit:", let who = Name(words[0]),
            let colon = text.firstRange(of: ": ")
        {
            // A Parley /quit message may be 4,096 bytes; an IRC line holds its first piece.
            let reason = IRCText.pieces(String(text[colon.upperBound...]), maxBytes: 300)[0]
            return emit(fromUser(who.text, "QUIT", [reason], now: now), &effects)
        }
        // "NAME was kicked by KICKER[: REASON]": a KICK from the kicker.
        if words.count >= 5, words[1] == "was", words[2] == "kicked", words[3] == "by", let victim = Name(words[0]),
            let kicker = Name(words[4].hasSuffix(":") ? words[4].dropLast() : words[4])
        {
            let reason = text.firstRange(of: ": ").map { String(text[$0.upperBound...]) } ?? "kicked"
            return emit(fromUser(kicker.text, "KICK", ["#\(room)", victim.text, reason], now: now), &effects)
        }
        emit(server("NOTICE", ["#\(room)", text]), &effects)
        // Kicked out of a temporary room: Parley puts this session back in global, with no OK.
        if text.hasPrefix("you were kicked from "), room != Name.global,
            case .welcomed(let account, let channel) = state,
            channel == room
        {
            state = .welcomed(account, channel: .global)
            // What was in flight there gets an error from the room before its `left` (which
            // the inner session waits for before it re-enters global), or nothing at all (a
            // message the store still held at the kick: the room says nothing more of it to a
            // member it kicked): none of it is owed an answer now, and nothing goes on until
            // the session is back in global.
            // A whisper waits for an empty queue and holds everything behind it, so it is
            // alone in flight when there is one.
            kickedWhisperUnanswered = inFlight.contains { if case .whisper = $0 { true } else { false } }
            inFlight.removeAll()
            rejoining = true
            emit(fromUser(account.text, "KICK", ["#\(room)", account.text, text], now: now), &effects)
            emit(fromUser(account.text, "JOIN", ["#global"], now: now), &effects)
            steps.insert(.names(.global, .names), at: 0)
        }
    }

    private mutating func users(room: Name, _ names: [Name], _ kind: NamesReply, _ effects: inout [SessionEffect]) {
        let channel = "#\(room)"
        switch kind {
        case .names:
            var line: [String] = []
            var bytes = 0
            // userhost-in-names: each name as nick!user@host.
            let full = enabled.contains("userhost-in-names")
            for name in names {
                let entry = full ? "\(name)!\(name)@\(IRCSession.userHost)" : name.text
                if bytes + entry.utf8.count > 400 {
                    reply("353", ["=", channel, line.joined(separator: " ")], &effects)
                    line = []
                    bytes = 0
                }
                line.append(entry)
                bytes += entry.utf8.count + 1
            }
            if !line.isEmpty { reply("353", ["=", channel, line.joined(separator: " ")], &effects) }
            reply("366", [channel, "End of /NAMES list"], &effects)
        case .who:
            for name in names {
                let host = IRCSession.userHost
                reply("352", [channel, name.text, host, serverName, name.text, "H", "0 \(name)"], &effects)
            }
            reply("315", [channel, "End of WHO list"], &effects)
        }
    }

    private mutating func list(_ rooms: [Name], _ effects: inout [SessionEffect]) {
        reply("321", ["Channel", "Users  Name"], &effects)
        for room in rooms { reply("322", ["#\(room)", "0", ""], &effects) }
        reply("323", ["End of /LIST"], &effects)
    }

    // MARK: - Writing

    private var target: String {
        switch state {
        case .registering(let registration): return registration.nick ?? "*"
        case .welcomed(let account, _): return account.text
        }
    }

    /// A line from the server. Every parameter but the text is at most 64 bytes: they echo
    /// what the client sent (a command, a target), and the reply must stay within 512.
    private func server(_ command: String, _ parameters: [String]) -> IRCMessage {
        let echoed = parameters.enumerated().map { index, parameter in
            index == parameters.count - 1 ? parameter : IRCText.pieces(parameter, maxBytes: 64)[0]
        }
        return IRCMessage(source: serverName, command, echoed)
    }

    private func notice(_ text: String) -> IRCMessage { server("NOTICE", [target, text]) }

    /// A numeric to this client: the target first, as every numeric has it.
    private mutating func reply(_ numeric: String, _ parameters: [String], _ effects: inout [SessionEffect]) {
        emit(server(numeric, [target] + parameters), &effects)
    }

    /// `at`: the line's own time (a stored one, in Unix milliseconds); nil: now.
    private func fromUser(
        _ nick: String, _ command: String, _ parameters: [String], at: Int64? = nil, now: Instant
    ) -> IRCMessage {
        var message = IRCMessage(source: "\(nick)!\(nick)@\(IRCSession.userHost)", command, parameters)
        if enabled.contains("server-time") {
            let unix = at ?? (now + wallClockOffset).milliseconds
            message.tags = [("time", IRCText.timestamp(unixMilliseconds: unix))]
        }
        return message
    }

    /// A Parley text as PRIVMSGs, cut so that each line keeps within 512 bytes.
    private mutating func deliver(
        from sender: Name, _ command: String, to target: String, _ text: String, at: Int64? = nil, now: Instant,
        _ effects: inout [SessionEffect]
    ) {
        let overhead =
            2 * sender.text.utf8.count + IRCSession.userHost.utf8.count + command.utf8.count
            + target.utf8.count + 12
        for piece in IRCText.pieces(text, maxBytes: IRCMessage.maxBodyBytes - overhead) {
            emit(fromUser(sender.text, command, [target, piece], at: at, now: now), &effects)
        }
    }

    /// Queues a line, within the outbound bound: a client that does not read is closed.
    private mutating func emit(_ message: IRCMessage, _ effects: inout [SessionEffect]) {
        guard !closed else { return }
        let size = message.wireSize
        guard outboxBytes + size <= limits.maxOutboxBytes else {
            closed = true
            slowReader = true
            effects.append(.writeIRC(IRCMessage("ERROR", ["Closing link: you are not reading fast enough"])))
            return
        }
        outboxBytes += size
        effects.append(.writeIRC(message))
    }

    /// Says ERROR and ends the connection; the inner session unwinds as for a lost one.
    private mutating func close(_ reason: String, now: Instant, _ effects: inout [SessionEffect]) {
        emit(IRCMessage("ERROR", ["Closing link: \(reason)"]), &effects)
        closed = true
        absorb(inner.connectionLost(now: now), now: now, &effects)
    }
}
