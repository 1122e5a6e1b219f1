import ChatCore

// The moderation invariants: kicks, bans and room owners, checked from the checker's own
// model (who it saw kicked, which bans the store acknowledged, who came to a room first).
extension World {
    /// A kicked member gets nothing more from the room once the room has put it out; a
    /// leave or a move that meets a kick is a hazard met.
    mutating func checkKicks<Output: MailingOutput>(
        _ room: RoomID, _ input: RoomInput, _ members: [SessionID: Name], _ effects: [Output]
    ) {
        for (slot, from) in observed.kickedFrom where from == room && members[sessions[slot].id] != nil {
            observed.kickedFrom[slot] = nil  // Back in the same room: its lines are its own again.
        }
        for effect in effects {
            switch effect.mail {
            case .session(let id, .deliver(let line))?:
                guard let slot = slot(id), observed.kickedFrom[slot] == room, line.isRoomLine else { continue }
                fail(
                    .kickedGetsNothing,
                    "\(roomName(room)) sent \(sessions[slot].name) \"\(line.rendered.dropLast())\" after kicking it")
            case .session(let id, .kicked(let from, _))?:
                guard let slot = slot(id) else { continue }
                observed.kickedFrom[slot] = from
                observed.messages.noteKicked(sender: slot, from: from)
                hazards.insert(.kick)
            default:
                continue
            }
        }
    }

    /// A session kicked out of a temporary room that had already sent the room its leave.
    mutating func noteKickRacingLeave(_ message: SessionMessage, _ effects: [SessionEffect]) {
        guard case .kicked(let room, _) = message, room != .global else { return }
        let acknowledged = effects.contains {
            if case .send(.room(room, .member(.leave))) = $0 { return true }
            return false
        }
        if !acknowledged { hazards.insert(.kickRacingLeave) }
    }

    /// A move the Lobby reads from a session it has just kicked out of global.
    mutating func noteKickRacingMove(_ message: LobbyMessage) {
        switch message {
        case .create(let id, _), .join(let id, _):
            if let slot = slot(id), observed.kickedFrom[slot] == .global { hazards.insert(.kickRacingMove) }
        case .member, .enter, .listRooms, .roomEmptied, .admitRefused, .store:
            break
        }
    }

    /// A room has at most one owner, who is a member: its creator, then the member there
    /// longest, announced to the room when it changes, and never otherwise.
    mutating func checkOwnership(_ index: Int, _ message: RoomMessage, _ effects: [RoomEffect]) {
        var record = observed.rooms[index]
        let name = rooms[index].actor.ref.name
        let members = record.book.members
        // A room with members and no owner has one in its first member: its creator (who,
        // with history on, is a member only once its history read is back), or whoever
        // came in while the last owner's kick was still being acknowledged.
        if record.owner == nil, let first = members.first {
            record.owner = first
        }
        if case .admit = message, record.ownerChangedStep > 0 {
            hazards.insert(.ownerLeftWhileJoining)
        }
        let announced = effects.lazy.compactMap { effect -> String? in
            guard case .session(_, .deliver(.event(_, let text))) = effect, text.hasSuffix(" now owns \(name)")
            else { return nil }
            return String(text.dropLast(" now owns \(name)".count))
        }.first
        if let owner = record.owner, !members.contains(owner) {
            let heir = members.first
            let expected = heir.flatMap { observed.sessions[$0].account?.text }
            guard announced == expected else {
                return fail(
                    .oneOwner,
                    "the owner of \(name) went; the room announced \(announced ?? "nobody") and not \(expected ?? "nobody")"
                )
            }
            record.owner = heir
            if heir != nil { record.ownerChangedStep = steps }
        } else if let announced {
            return fail(.oneOwner, "\(name) announced \(announced) as owner while its owner is still there")
        }
        let claimed = rooms[index].actor.owner
        guard claimed == record.owner.map({ sessions[$0].id }) else {
            return fail(
                .oneOwner,
                "\(name) says \(claimed.map(label) ?? "nobody") owns it; it was \(record.owner.map { "\(sessions[$0].name)" } ?? "nobody")"
            )
        }
        observed.rooms[index] = record
    }

    /// Once the store has acknowledged a ban, the account's live session is told to go in
    /// that step, and the Gate grants it nothing until an unban is acknowledged.
    mutating func checkBans(_ message: GateMessage, _ effects: [GateEffect]) {
        judgeBanOrder(message, effects)
        for case .store(.setBanned(let ticket, let name, let banning, _)) in effects {
            let session: SessionID? =
                if case .setBanned(let id, _, _, _, _) = message { id } else { nil }
            observed.banTickets[ticket] = BanTicket(
                key: name.key, banning: banning, session: session, target: name.text)
        }
        let refusedBanned = effects.contains {
            if case .session(_, .loginRefused(.banned, _)) = $0 { return true }
            return false
        }
        switch message {
        case .store(.banChanged(let ticket)):
            guard let order = observed.banTickets.removeValue(forKey: ticket) else { break }
            guard order.banning else {
                // Only an unban that lifts a ban (acknowledged here, or the world's) counts as one.
                if observed.chatBanned.remove(order.key) != nil || setup.isBanned(order.key) {
                    observed.chatUnbanned.insert(order.key)
                }
                break
            }
            observed.chatBanned.insert(order.key)
            hazards.insert(.chatBan)
            if refusedBanned { hazards.insert(.banRacingLogin) }
            if let holder = model.gateHolders[order.key], !effects.contains(.session(holder, .banned)) {
                fail(.bannedHasNoSession, "the store banned \(order.key); the Gate left \(label(holder)) online")
            }
        case .verified, .logout:
            if refusedBanned { hazards.insert(.banRacingLogin) }
        default:
            break
        }
        for case .session(_, .loggedIn(let name, _, _)) in effects {
            if observed.chatBanned.contains(name.key) {
                fail(.bannedHasNoSession, "the Gate logged \(name) in after its ban was acknowledged")
            } else if observed.chatUnbanned.contains(name.key) {
                hazards.insert(.loginAfterUnban)
            }
        }
        for case .session(let id, .loginRefused(.banned, _)) in effects {
            judgeBannedRefusal(id, message)
        }
        modelGateHolders(message, effects)
    }

    /// The Gate's answer to a `/ban` or `/unban`, by the model: from the session the Gate
    /// has online for an operator account (the world's operators), about another account
    /// (in any case), the order goes to the store with the target as typed; otherwise it is
    /// refused, `not-operator` or, about oneself, `no-such-user`. The store's reply is
    /// answered to the ordering session: `OK banned|unbanned TARGET` as typed, `ERR
    /// no-such-user` for a missing account, `ERR store-failed`.
    private mutating func judgeBanOrder(_ message: GateMessage, _ effects: [GateEffect]) {
        switch message {
        case .setBanned(let session, let by, let target, _, let banning):
            let isOperator = model.gateHolders[by.key] == session && setup.isOperator(by.key)
            let refusal: ErrorCode? = !isOperator ? .notOperator : target.key == by.key ? .noSuchUser : nil
            let fits: Bool
            switch effects.count == 1 ? effects[0] : nil {
            case .session(session, .deliver(.error(let code, _)))?: fits = code == refusal
            case .store(.setBanned(_, let asked, banning, .gate))?: fits = refusal == nil && asked.text == target.text
            default: fits = false
            }
            if !fits {
                fail(
                    .answerCodes,
                    "the Gate answered \(label(session))'s /\(banning ? "ban" : "unban") \(target) by \(by) (\(isOperator ? "an operator online" : "not an operator online")) with \(effects)"
                )
            }
        case .store(.banChanged(let ticket)), .store(.accountMissing(let ticket)), .store(.failed(let ticket)):
            guard let order = observed.banTickets[ticket], let session = order.session else { return }
            let answered = effects.contains { effect in
                guard case .session(session, .deliver(let line)) = effect else { return false }
                switch (message, line) {
                case (.store(.banChanged), .ok(.banned(let name))): return order.banning && name.text == order.target
                case (.store(.banChanged), .ok(.unbanned(let name))): return !order.banning && name.text == order.target
                case (.store(.accountMissing), .error(.noSuchUser, _)), (.store(.failed), .error(.storeFailed, _)):
                    return true
                default: return false
                }
            }
            if !answered {
                fail(
                    .answerCodes,
                    "the Gate answered the store's \(message) for \(label(session))'s /\(order.banning ? "ban" : "unban") \(order.target) with \(effects)"
                )
            }
            if case .store(.banChanged) = message {} else { observed.banTickets[ticket] = nil }
        default:
            return
        }
    }

    /// Which session the Gate holds each account for, by its grants and the logouts it took.
    private mutating func modelGateHolders(_ message: GateMessage, _ effects: [GateEffect]) {
        if case .logout(let session, let name, _) = message, model.gateHolders[name.key] == session {
            model.gateHolders[name.key] = nil
        }
        for case .session(let id, .loggedIn(let name, _, _)) in effects { model.gateHolders[name.key] = id }
    }

    /// `ERR banned` answers a login only for an account that is banned: the store said so
    /// when the Gate looked it up, or a `/ban` of it was acknowledged and no `/unban` since.
    private mutating func judgeBannedRefusal(_ session: SessionID, _ message: GateMessage) {
        guard let slot = slot(session), let pending = model.sessions[slot].pendingLogin, !pending.register else {
            return
        }
        let key = pending.name.key
        if case .store(.accountBanned(let ticket)) = message, logins.logins[ticket]?.session == session { return }
        guard !observed.chatBanned.contains(key) else { return }
        fail(
            .answerCodes,
            "\(label(session))'s /login \(pending.name) was refused banned; the store did not say so and no ban of it stands\(observed.chatUnbanned.contains(key) ? " (an unban was acknowledged)" : "")"
        )
    }
}

/// A `/ban` or `/unban` the Gate asked the store for.
struct BanTicket: Hashable {
    let key: String
    let banning: Bool
    /// The session that ordered it (nil if the Gate asked for no order the checker saw),
    /// and the target as typed.
    let session: SessionID?
    let target: String
}

extension ServerLine {
    /// A line a room sends its members: a message, an action, an event.
    fileprivate var isRoomLine: Bool {
        switch self {
        // A room's history too: a kicked member must not get it after the kick.
        case .message, .action, .event, .history, .historyEnd: return true
        case .ok, .error, .whisper, .users, .rooms, .bye: return false
        }
    }
}
