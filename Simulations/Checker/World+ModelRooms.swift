import ChatCore

// The reference model's judgement of the Lobby and the rooms (ReferenceModel.swift):
// first what the request must be answered with, from the model as it was before the
// step; then the step's outputs in order, each line judged against the membership at
// the moment it was sent, each documented event moving the model.
extension World {
    mutating func modelLobby(_ message: LobbyMessage, _ effects: [LobbyEffect]) {
        let events = effects.map(\.modelEvent)
        var subject: SessionID?
        var arriving: Name?
        switch message {
        case .join(let session, let name), .create(let session, let name):
            subject = session
            var isCreate = false
            if case .create = message { isCreate = true }
            judgeMove(session, to: name, create: isCreate, events)
        case .listRooms(let session):
            judgeList(events, to: session, expected: model.roomList, what: "/chatrooms")
        case .member(let request):
            subject = request.isKick ? nil : request.session
            judge(request, in: .global, owner: nil, events)
        case .enter(let session, let name):
            (subject, arriving) = (session, name)
            model.arrivals[session] = (.global, name)
            if let account = model.accounts[name.key], account.text != name.text {
                fail(.answerCodes, "\(label(session)) entered global as \(name), but the account is \(account)")
            }
        case .admitRefused(_, let session, let name):
            (subject, arriving) = (session, name)
        case .store:
            subject = ReferenceModel.arrival(in: .global, events)
        case .roomEmptied:
            break
        }
        let before = model.members
        replay(events, in: .global, subject: subject, arriving: arriving, readmit: arriving != nil)
        judgeAnnouncements(in: .global, before: before, events, quiet: message.isQuiet)
        var expectedNews: [String] = []
        for case .spawn(_, let name) in events { expectedNews.append(" created \(name)") }
        if case .roomEmptied(let id) = message, let key = model.liveRooms.first(where: { $0.value.id == id })?.key {
            expectedNews.append("\(model.liveRooms[key]!.name) closed")
            model.liveRooms[key] = nil
        }
        // Global hears of every room made and closed (the rooms' names as they were made).
        for news in expectedNews where violation == nil && !(model.members[.global] ?? [:]).isEmpty {
            let told = events.contains {
                guard case .deliver(_, .event(let room, let text)) = $0, room.key == Name.global.key else {
                    return false
                }
                return news.hasPrefix(" ") ? text.hasSuffix(news) : text == news
            }
            if !told { fail(.answerContents, "global was not told \"\(news.trimmingPrefix(" "))\"") }
        }
    }

    /// `owner`: the slot the checker held to own the room before this step.
    mutating func modelRoom(_ id: RoomID, _ message: RoomMessage, _ effects: [RoomEffect], owner: Int?) {
        let events = effects.map(\.modelEvent)
        var subject: SessionID?
        var arriving: Name?
        switch message {
        case .admit(let session, let name, _):
            (subject, arriving) = (session, name)
            model.arrivals[session] = (id, name)
            let refused = events.contains {
                if case .admitRefused(id, session) = $0 { return true }
                return false
            }
            // In at once, or (history on) once the room's history read comes back.
            let entered =
                events.contains {
                    if case .entered(session, let room) = $0 { return room.id == id }
                    return false
                }
                || effects.contains {
                    if case .store(.readHistory) = $0 { return true }
                    return false
                }
            if model.emptied.contains(id) ? !refused || entered : refused || !entered {
                fail(
                    .answerCodes,
                    "\(roomName(id)) \(refused ? "turned away" : "took in") \(label(session)) though it had \(model.emptied.contains(id) ? "" : "not ")emptied"
                )
            }
        case .member(let request):
            // A kick's EVENT reaches every member left, the kicker too.
            subject = request.isKick ? nil : request.session
            judge(request, in: id, owner: owner, events)
        case .store:
            subject = ReferenceModel.arrival(in: id, events)
        case .shutdown:
            break
        }
        let before = model.members
        replay(events, in: id, subject: subject, arriving: arriving, readmit: false)
        judgeAnnouncements(in: id, before: before, events, quiet: message.isQuiet)
    }

    /// Whoever came or went in this step, the members who stay hear it in one `EVENT` (a
    /// joiner's arrival, a member's leave, quit or kick), as PROTOCOL.md lists them; only
    /// the shutdown's leaves are quiet. Who heard it exactly is `judgeBroadcast`'s check;
    /// this one is that it was said at all.
    private mutating func judgeAnnouncements(
        in room: RoomID, before: [RoomID: [SessionID: Name]], _ events: [ModelEvent], quiet: Bool
    ) {
        guard violation == nil else { return }
        let was = before[room] ?? [:], now = model.members[room] ?? [:]
        func told(_ about: (String) -> Bool) -> Bool {
            events.contains {
                guard case .deliver(_, .event(let name, let text)) = $0, name.text == model.madeName(of: room) else {
                    return false
                }
                return about(text)
            }
        }
        for (session, name) in was.sorted(by: { $0.key < $1.key }) where now[session] == nil && !quiet {
            guard !now.isEmpty else { continue }
            let said = told { text in
                ReferenceModel.comingOrGoing(text).map { $0 == name.text } ?? text.hasPrefix("\(name) was kicked by ")
            }
            if !said {
                return fail(.answerContents, "\(label(session)) (\(name)) went from \(roomName(room)) unannounced")
            }
        }
        for (session, name) in now.sorted(by: { $0.key < $1.key }) where was[session] == nil {
            guard now.count > 1 else { continue }
            if !told({ $0 == "\(name) joined" }) {
                return fail(.answerContents, "\(label(session)) (\(name)) came into \(roomName(room)) unannounced")
            }
        }
    }

    /// A session let into a room says so naming the room as it was made, whatever case its
    /// client typed: `OK created NAME`, `OK joined NAME`.
    mutating func judgeMoveAnswer(_ message: SessionMessage, _ effects: [SessionEffect], on slot: Int) {
        guard case .entered(let ref) = message, ref.id != .global, let made = model.madeName(of: ref.id) else { return }
        for case .write(.ok(let outcome)) in effects {
            let named: Name
            switch outcome {
            case .created(let name), .joined(let name): named = name
            default: continue
            }
            if named.text != made {
                fail(
                    .answerContents,
                    "\(sessions[slot].name) entered \(made) and was told \"\(ServerLine.ok(outcome).rendered.dropLast())\""
                )
            }
        }
    }

    /// A create or a join must be refused for the reason the model gives, or carried out.
    private mutating func judgeMove(_ session: SessionID, to name: Name, create: Bool, _ events: [ModelEvent]) {
        let expected: ErrorCode?
        if model.members[.global]?[session] == nil {
            expected = .notInGlobal
        } else if create {
            // The reserved name as the protocol says it, not as ChatCore's `Name` does.
            expected = ReferenceModel.isReserved(name.text) || model.liveRooms[name.key] != nil ? .nameTaken : nil
        } else {
            expected = model.liveRooms[name.key] == nil ? .noSuchRoom : nil
        }
        var refusal: ErrorCode?
        var admitted: RoomID?
        var spawned: Name?
        for event in events {
            switch event {
            case .moveRefused(session, let code): refusal = code
            case .admit(let room, session, _): admitted = room
            case .spawn(_, let name): spawned = name
            default: break
            }
        }
        let verb = create ? "/create \(name)" : "/join \(name)"
        if let expected {
            guard refusal == expected, admitted == nil else {
                return fail(
                    .answerCodes,
                    "\(verb) from \(label(session)) must be refused \(expected.rawValue); it was \(refusal.map { "refused \($0.rawValue)" } ?? "carried out")"
                )
            }
        } else if create {
            guard refusal == nil, let spawned, spawned.key == name.key, spawned.text == name.text, admitted != nil
            else {
                return fail(
                    .answerCodes,
                    "\(verb) from \(label(session)) must make the room \(name); it was \(refusal.map { "refused \($0.rawValue)" } ?? "made as \(spawned?.text ?? "nothing")")"
                )
            }
        } else if refusal != nil || admitted != model.liveRooms[name.key]?.id {
            fail(
                .answerCodes,
                "\(verb) from \(label(session)) must go to the live room \(model.liveRooms[name.key]!.name); it was \(refusal.map { "refused \($0.rawValue)" } ?? "sent elsewhere")"
            )
        }
    }

    /// A member's request to its room: refused for the reason the model gives, or taken.
    private mutating func judge(_ request: MemberRequest, in room: RoomID, owner: Int?, _ events: [ModelEvent]) {
        let session = request.session
        let members = model.members[room] ?? [:]
        let errors = events.compactMap { event -> ErrorCode? in
            if case .deliver(session, .error(let code, _)) = event { return code }
            return nil
        }
        let stored = events.contains {
            if case .storeAppend = $0 { return true }
            return false
        }
        switch request {
        case .say, .act, .whisper:
            var expected: ErrorCode?
            if members[session] == nil {
                expected = .noSuchRoom
            } else if case .whisper(_, let target, _) = request,
                !members.values.contains(where: { $0.key == target.key })
            {
                expected = .noSuchUser
            }
            if let expected, errors != [expected] || stored {
                fail(
                    .answerCodes,
                    "\(describeRequest(request)) in \(roomName(room)) must be refused \(expected.rawValue); it got \(errors.map(\.rawValue)) and was \(stored ? "" : "not ")stored"
                )
            } else if expected == nil, !errors.isEmpty || !stored {
                fail(
                    .answerCodes,
                    "\(describeRequest(request)) in \(roomName(room)) must be taken and stored; it got \(errors.map(\.rawValue))"
                )
            }
        case .users:
            judgeList(events, to: session, expected: model.userList(room), what: "/users in \(roomName(room))")
        case .history:
            break  // History lines are the history-once check's (HistoryCheck.swift).
        case .help:
            judgeHelp(to: session, in: room, owner: owner, member: members[session] != nil, errors, events)
        case .kick(_, _, let target, _, _):
            let kicked = events.contains {
                if case .kicked = $0 { return true }
                return false
            }
            // Whom, and whether this session may: an operator, or the owner before the step.
            // The room asks in that order: are you here, may you kick here, is NAME here.
            let present = members.contains { $0.key != session && $0.value.key == target.key }
            let refusal: ErrorCode? =
                members[session] == nil
                ? .noSuchRoom
                : !mayKick(session, in: room, owner: owner)
                    ? (room == .global ? .notOperator : .notOwner) : !present ? .noSuchUser : nil
            if let refusal, kicked || errors != [refusal] {
                fail(
                    .answerCodes,
                    "\(describeRequest(request)) in \(roomName(room)) must be refused \(refusal.rawValue); it was \(kicked ? "carried out" : "refused \(errors.map(\.rawValue))")"
                )
            } else if refusal == nil, !kicked || !errors.isEmpty {
                fail(
                    .answerCodes,
                    "\(describeRequest(request)) in \(roomName(room)) must be carried out (\(label(session)) may kick there); it got \(errors.map(\.rawValue))"
                )
            } else if kicked {
                judgeKickEvent(request, in: room, events)
            }
        case .leave, .quit, .leaveAtShutdown:
            let confirmed = events.contains {
                if case .left(session, room) = $0 { return true }
                return false
            }
            if !confirmed { fail(.answerCodes, "\(roomName(room)) did not confirm \(label(session))'s /leave") }
            judgeDepartureEvent(request, in: room, members, events)
        }
    }

    /// The others hear a member go as it went: `NAME quit` (with its /quit message) when its
    /// connection ended, `NAME left` for a leave; the session's step judged which it sent.
    private mutating func judgeDepartureEvent(
        _ request: MemberRequest, in room: RoomID, _ members: [SessionID: Name], _ events: [ModelEvent]
    ) {
        let session = request.session
        guard let account = members[session], members.count > 1 else { return }  // kicked, or alone
        let expected: String
        switch request {
        case .leave: expected = "\(account) left"
        case .quit(_, let carried):
            // A Parley client's message as it typed it; an IRC client's QUIT reason as its
            // client typed it, once the session said goodbye to that QUIT (else it went for
            // another cause: a flood, a hang-up, a PART of #global; the message is the session's).
            let typed = slot(session).map { slot -> String?? in
                let model = model.sessions[slot]
                guard sessions[slot].actor.speaksIRC else { return .some(model.quitMessage) }
                return model.ircQuitTaken && model.ircQuitTyped ? .some(model.ircQuitReason) : .none
            }
            let message = (typed ?? .none) ?? carried
            expected = "\(account) quit" + (message.map { ": \($0)" } ?? "")
        case .say, .act, .whisper, .users, .kick, .help, .leaveAtShutdown, .history: return
        }
        let said = events.compactMap { event -> String? in
            guard case .deliver(_, .event(_, let text)) = event, ReferenceModel.comingOrGoing(text) != nil else {
                return nil
            }
            return text
        }
        if said.isEmpty || said.contains(where: { $0 != expected }) {
            fail(
                .answerContents,
                "\(roomName(room)) told the others \(said.first.map { "\"\($0)\"" } ?? "nothing") for \(describeRequest(request)); it was \"\(expected)\""
            )
        }
    }

    /// `/help` in a room lists what this member may do there (PROTOCOL.md): the room moves
    /// in `global` only, `/kick` for the owner or an operator, `/ban` and `/unban` for an
    /// operator.
    private mutating func judgeHelp(
        to session: SessionID, in room: RoomID, owner: Int?, member: Bool, _ errors: [ErrorCode],
        _ events: [ModelEvent]
    ) {
        let texts = events.compactMap { event -> String? in
            if case .deliver(session, .ok(.help(let text))) = event { return text }
            return nil
        }
        // One kicked on its way out is still answered as a member would be (either is right).
        guard member else { return }
        guard texts.count == 1, errors.isEmpty, let text = texts.first else {
            return fail(.answerCodes, "/help from \(label(session)) in \(roomName(room)) got \(texts.count) answers")
        }
        let isOperator = slot(session).map { model.sessions[$0].isOperator } ?? false
        let owns = room != .global && owner == slot(session)
        let commands = Set(
            text.split(separator: ":", maxSplits: 1).last.map {
                $0.split(separator: ",").compactMap { $0.split(separator: " ").first.map(String.init) }
            } ?? [])
        let expected: [(String, Bool)] = [
            ("/join", room == .global), ("/createchatroom", room == .global), ("/chatrooms", room == .global),
            ("/kick", isOperator || owns), ("/ban", isOperator), ("/unban", isOperator), ("/whisper", true),
            ("/users", true), ("/leave", true), ("/quit", true), ("/me", true), ("/history", true),
            ("/passwd", true), ("/help", true),
        ]
        var wrong = expected.filter { commands.contains($0.0) != $0.1 }.map { ($0.1 ? "without " : "with ") + $0.0 }
        // And it says who you are here (PROTOCOL.md): the room you own, by its name as made.
        let ownNote = owns ? model.madeName(of: room).map { "(you own \($0))" } : nil
        if let ownNote, !text.contains(ownNote) { wrong.append("without \(ownNote)") }
        if ownNote == nil, text.contains("(you own") { wrong.append("with a note of owning the room") }
        if isOperator != text.contains("(you are an operator)") {
            wrong.append((isOperator ? "without" : "with") + " (you are an operator)")
        }
        if !wrong.isEmpty {
            fail(
                .answerContents,
                "/help for \(label(session)) in \(roomName(room)) (\(isOperator ? "an operator" : "no operator"), \(owns ? "its owner" : "not its owner")) came \(wrong.joined(separator: ", ")): \"\(text)\""
            )
        }
    }

    /// Who may kick: an operator (as the Gate logged the session in) anywhere, and in a
    /// temporary room the owner the checker held before the step (ModerationCheck.swift).
    private func mayKick(_ session: SessionID, in room: RoomID, owner: Int?) -> Bool {
        guard let slot = slot(session) else { return false }
        if model.sessions[slot].isOperator { return true }
        return room != .global && owner == slot
    }

    /// The room hears the kick with both names as the accounts spell them, whatever case
    /// the kicker typed, and the reason as typed.
    private mutating func judgeKickEvent(_ request: MemberRequest, in room: RoomID, _ events: [ModelEvent]) {
        guard case .kick(let session, _, let target, let reason, _) = request else { return }
        let members = model.members[room] ?? [:]
        guard let kicker = members[session], let victim = members.values.first(where: { $0.key == target.key })
        else { return }
        let expected = "\(victim) was kicked by \(kicker)" + (reason.map { ": \($0)" } ?? "")
        for case .deliver(let id, .event(_, let text)) in events where text.contains(" was kicked by ") {
            if text != expected {
                return fail(
                    .answerContents, "\(roomName(room)) told \(label(id)) \"\(text)\"; the kick was \"\(expected)\"")
            }
        }
        // The kicker's `OK kicked NAME` names the member as its account spells it too.
        let confirmed = events.compactMap { event -> String? in
            if case .deliver(session, .ok(.kicked(let name))) = event { return name.text }
            return nil
        }
        if confirmed != [victim.text] {
            fail(
                .answerContents,
                "\(roomName(room)) confirmed \(label(session))'s kick of \(victim) with \(confirmed.map { "OK kicked \($0)" })"
            )
        }
    }

    private func describeRequest(_ request: MemberRequest) -> String {
        switch request {
        case .say(let id, let text): return "\(label(id))'s message \(text.prefix(16))"
        case .act(let id, let text): return "\(label(id))'s /me \(text.prefix(16))"
        case .kick(let id, _, let target, _, _): return "\(label(id))'s /kick \(target)"
        case .help(let id, _): return "\(label(id))'s /help"
        case .whisper(let id, let target, let text): return "\(label(id))'s whisper to \(target) \(text.prefix(16))"
        case .users(let id): return "\(label(id))'s /users"
        case .leave(let id): return "\(label(id))'s /leave"
        case .quit(let id, _): return "\(label(id))'s quit"
        case .leaveAtShutdown(let id): return "\(label(id))'s leave at shutdown"
        case .history(let id, let lines): return "\(label(id))'s /history \(lines)"
        }
    }

    /// A `USERS` or `ROOMS` answer, read back from the wire, lists exactly what the model holds.
    private mutating func judgeList(_ events: [ModelEvent], to session: SessionID, expected: [String], what: String) {
        let lines = events.compactMap { event -> ServerLine? in
            if case .deliver(session, let line) = event { return line }
            return nil
        }
        guard lines.count == 1, let parsed = ServerLine(parsing: lines[0].rendered) else {
            return fail(.answerContents, "\(what) for \(label(session)) was answered by \(lines.count) lines")
        }
        let names: [String]
        switch parsed {
        case .users(_, let listed), .rooms(let listed): names = listed.map(\.text)
        default:
            return fail(.answerContents, "\(what) for \(label(session)) was answered \(lines[0].rendered.dropLast())")
        }
        if names != expected {
            fail(
                .answerContents,
                "\(what) for \(label(session)) listed \(names.joined(separator: " ")); the model holds \(expected.joined(separator: " "))"
            )
        }
    }

    /// Walks a step's outputs in order: lines are judged against the members at that
    /// moment; entries, exits, spawns and emptyings move the model.
    private mutating func replay(
        _ events: [ModelEvent], in room: RoomID, subject: SessionID?, arriving: Name?, readmit: Bool
    ) {
        // A kicked member is out before the room says so to anyone (its `leave` comes later).
        for case .kicked(let session, let id) in events {
            model.members[id]?[session] = nil
            model.departing[id, default: []].insert(session)
        }
        var index = 0
        while index < events.count, violation == nil {
            switch events[index] {
            case .deliver(_, let line):
                var recipients: Set<SessionID> = []
                var end = index
                while end < events.count, case .deliver(let id, let next) = events[end], next.rendered == line.rendered
                {
                    recipients.insert(id)
                    end += 1
                }
                judgeBroadcast(line, to: recipients, in: room, subject: subject)
                index = end
                continue
            case .entered(let session, let ref):
                if let name = arriving ?? model.arrivals[session]?.name {
                    model.members[ref.id, default: [:]][session] = name
                }
                model.arrivals[session] = nil
            case .moveRefused(let session, _):
                if readmit, let arriving { model.members[.global, default: [:]][session] = arriving }
            case .left(let session, let id):
                model.members[id]?[session] = nil
                model.departing[id]?.remove(session)
                if model.arrivals[session]?.room == id { model.arrivals[session] = nil }
            case .admit(_, let session, _):
                model.members[.global]?[session] = nil
            case .spawn(let id, let name):
                model.liveRooms[name.key] = RoomRef(id: id, name: name)
                model.roomNames[id] = name
                model.members[id] = [:]
            case .emptied(let id):
                if let left = model.members[id], !left.isEmpty {
                    fail(.answerCodes, "\(roomName(id)) said it emptied while \(left.count) members were in it")
                }
                model.emptied.insert(id)
            case .admitRefused, .storeAppend, .kicked, .other:
                break
            }
            index += 1
        }
        guard room != .global, let subject, !model.emptied.contains(room), model.members[room]?.isEmpty == true,
            !model.arrivals.values.contains(where: { $0.room == room }), model.departing[room]?.isEmpty != false
        else {
            return
        }
        let leftNow = events.contains {
            if case .left(subject, room) = $0 { return true }
            return false
        }
        if leftNow { fail(.answerCodes, "\(roomName(room)) lost its last member and did not say it emptied") }
    }

    /// One line sent to a set of sessions at one moment: an `EVENT` reaches every member
    /// but the one it is about; a room message reaches no one outside; a whisper its target.
    private mutating func judgeBroadcast(
        _ line: ServerLine, to recipients: Set<SessionID>, in room: RoomID, subject: SessionID?
    ) {
        let members = model.members[room] ?? [:]
        switch line {
        case .event(let name, let text):
            var expected = Set(members.keys)
            if let subject { expected.remove(subject) }
            guard name.text == model.madeName(of: room), recipients == expected else {
                let missing = expected.subtracting(recipients).map { label($0) }.sorted()
                let extra = recipients.subtracting(expected).map { label($0) }.sorted()
                return fail(
                    .answerContents,
                    "EVENT \(name) \(text) from \(roomName(room)): missed \(missing), reached \(extra) outside it"
                )
            }
            if let subject,
                let account = members[subject] ?? model.members[.global]?[subject] ?? model.arrivals[subject]?.name,
                let who = ReferenceModel.comingOrGoing(text), who != account.text
            {
                fail(.answerContents, "EVENT \(name) \(text) is about \(label(subject)), who is \(account)")
            }
        case .message, .action:
            if let outsider = recipients.first(where: { members[$0] == nil }) {
                fail(
                    .answerContents,
                    "\(roomName(room)) sent \(line.rendered.dropLast()) to \(label(outsider)), not a member")
            }
        case .whisper(_, let target, _):
            if let wrong = recipients.first(where: { members[$0]?.key != target.key }) {
                fail(.answerContents, "\(roomName(room)) sent a whisper for \(target) to \(label(wrong))")
            }
        case .ok, .error, .users, .rooms, .bye, .history, .historyEnd:
            break  // History lines are the history-once check's (HistoryCheck.swift).
        }
    }
}
