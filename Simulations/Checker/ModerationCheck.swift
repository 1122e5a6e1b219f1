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
        for case .store(.setBanned(let ticket, let name, let banning, _)) in effects {
            observed.banTickets[ticket] = BanTicket(key: name.key, banning: banning)
        }
        let refusedBanned = effects.contains {
            if case .session(_, .loginRefused(.banned, _)) = $0 { return true }
            return false
        }
        switch message {
        case .store(.banChanged(let ticket)):
            guard let order = observed.banTickets.removeValue(forKey: ticket) else { break }
            guard order.banning else {
                observed.chatBanned.remove(order.key)
                observed.chatUnbanned.insert(order.key)
                break
            }
            observed.chatBanned.insert(order.key)
            hazards.insert(.chatBan)
            if refusedBanned { hazards.insert(.banRacingLogin) }
            if let holder = gate.onlineAccounts[order.key], !effects.contains(.session(holder, .banned)) {
                fail(.bannedHasNoSession, "the store banned \(order.key); the Gate left \(label(holder)) online")
            }
        case .verified, .logout:
            if refusedBanned { hazards.insert(.banRacingLogin) }
        default:
            break
        }
        for case .session(_, .loggedIn(let name, _, _)) in effects where observed.chatBanned.contains(name.key) {
            fail(.bannedHasNoSession, "the Gate logged \(name) in after its ban was acknowledged")
        }
        for case .session(let id, .loginRefused(.banned, _)) in effects {
            judgeBannedRefusal(id, message)
        }
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
