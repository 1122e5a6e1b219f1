import ChatCore

// Mail and effects as a person reads them in a timeline: sessions by their connection
// names (c2.1), rooms by name and number, passwords never.
extension World {
    func label(_ id: SessionID) -> String {
        slot(id).map { "\(sessions[$0].name)" } ?? "\(id)"
    }

    func label(_ address: Address) -> String {
        switch address {
        case .session(let id): return label(id)
        default: return endpoint(address).map { "\($0)" } ?? "\(address)"
        }
    }

    func describe(_ effect: SessionEffect) -> String {
        switch effect {
        case .send(let mail): return describe(mail: mail.mail)
        case .write(let line): return "⇒ \(line.rendered.dropLast())"
        case .writeIRC(let message): return "⇒ \(message.rendered.dropLast())"
        case .closeConnection: return "close"
        case .retire: return "retire"
        }
    }

    func describe(_ effect: GateEffect) -> String { describe(mail: effect.mail) }

    func describe(_ effect: LobbyEffect) -> String {
        switch effect {
        case .session, .room, .store: return effect.mail.map { describe(mail: $0) } ?? ""
        case .spawnRoom(let id, let name): return "spawn \(id) \(name)"
        }
    }

    func describe(_ effect: RoomEffect) -> String {
        switch effect {
        case .session, .lobby, .store: return effect.mail.map { describe(mail: $0) } ?? ""
        case .retire: return "retire"
        }
    }

    /// Mail as one arrow in a timeline.
    private func describe(mail: Mail) -> String { "→ \(label(mail.address)): \(describe(mail))" }

    func describe(_ mail: Mail) -> String {
        switch mail {
        case .session(_, let message): return describe(message)
        case .gate(let message): return describe(message)
        case .lobby(let message): return describe(message)
        case .room(_, let message): return describe(message)
        case .store(let request): return describe(request)
        case .hasher(.hash(let ticket, _)): return "hash \(ticket)"
        case .hasher(.verify(let ticket, _, _)): return "verify \(ticket)"
        }
    }

    private func describe(_ message: SessionMessage) -> String {
        switch message {
        case .loggedIn(let name, let registered, _): return "loggedIn \(name)\(registered ? " (registered)" : "")"
        case .loginRefused(let code, _): return "loginRefused \(code.rawValue)"
        case .replaced: return "replaced"
        case .banned: return "banned"
        case .kicked(let id, _): return "kicked from \(roomName(id))"
        case .entered(let room): return "entered \(room.name) (\(room.id))"
        case .moveRefused(let code, _): return "moveRefused \(code.rawValue)"
        case .left(let id): return "left \(roomName(id))"
        case .deliver(let line): return "deliver \(line.rendered.dropLast())"
        }
    }

    private func describe(_ request: MemberRequest) -> String {
        switch request {
        case .say(let id, let text): return "say \(label(id)): \(text)"
        case .act(let id, let text): return "act \(label(id)): \(text)"
        case .whisper(let id, let to, let text): return "whisper \(label(id)) to \(to): \(text)"
        case .users(let id): return "users \(label(id))"
        case .leave(let id): return "leave \(label(id))"
        case .quit(let id, let message): return "quit \(label(id))\(message.map { ": \($0)" } ?? "")"
        case .kick(let id, _, let target, _, let asOperator):
            return "kick \(target) by \(label(id))\(asOperator ? " (operator)" : "")"
        case .help(let id, _): return "help \(label(id))"
        case .leaveAtShutdown(let id): return "leave at shutdown \(label(id))"
        case .history(let id, let lines): return "history \(label(id)) \(lines)"
        }
    }

    private func describe(_ message: GateMessage) -> String {
        switch message {
        case .register(let id, let name, _, _): return "register \(label(id)) as \(name)"
        case .login(let id, let name, _, _): return "login \(label(id)) as \(name)"
        case .logout(let id, let name, let reason): return "logout \(label(id)) from \(name) (\(reason.rawValue))"
        case .loginAbandoned(let id): return "loginAbandoned \(label(id))"
        case .hashed(let ticket, _): return "hashed \(ticket)"
        case .hashFailed(let ticket): return "hash failed \(ticket)"
        case .verified(let ticket, let matches, _):
            return "verified \(ticket): \(matches ? "matches" : "does not match")"
        case .setBanned(let id, _, let target, _, let banning):
            return "\(banning ? "ban" : "unban") \(target) by \(label(id))"
        case .changePassword(let id, let name, _, _, _): return "changePassword \(label(id)) for \(name)"
        case .store(let reply): return describe(reply)
        }
    }

    private func describe(_ message: LobbyMessage) -> String {
        switch message {
        case .member(let request): return describe(request)
        case .enter(let id, let name): return "enter \(label(id)) as \(name)"
        case .create(let id, let room): return "create \(room) for \(label(id))"
        case .join(let id, let room): return "join \(room) for \(label(id))"
        case .listRooms(let id): return "listRooms \(label(id))"
        case .roomEmptied(let id): return "roomEmptied \(roomName(id))"
        case .admitRefused(let id, let session, _): return "admitRefused \(label(session)) by \(roomName(id))"
        case .store(let reply): return describe(reply)
        }
    }

    private func describe(_ message: RoomMessage) -> String {
        switch message {
        case .member(let request): return describe(request)
        case .admit(let id, let name, let created): return "admit \(label(id)) as \(name)\(created ? " (creator)" : "")"
        case .shutdown: return "shutdown"
        case .store(let reply): return describe(reply)
        }
    }

    private func describe(_ request: StoreRequest) -> String {
        switch request {
        case .createAccount(let ticket, let name, _, _, _): return "createAccount \(ticket) \(name)"
        case .fetchAccount(let ticket, let name, _): return "fetchAccount \(ticket) \(name)"
        case .updatePasswordHash(let name, _): return "updatePasswordHash \(name)"
        case .setBanned(let ticket, let name, let banned, _): return "setBanned \(ticket) \(name) \(banned)"
        case .appendMessage(let ticket, let record, _):
            let to = record.recipient.map { " to \($0)" } ?? ""
            return "appendMessage \(ticket) \(record.room) \(record.sender)\(to): \(record.text)"
        case .audit(let record): return "audit \(record.kind.rawValue)\(record.account.map { " \($0)" } ?? "")"
        case .readHistory(let ticket, let room, let limit, _): return "readHistory \(ticket) \(roomName(room)) \(limit)"
        }
    }

    private func describe(_ reply: StoreReply) -> String {
        switch reply {
        case .accountCreated(let ticket, let name): return "accountCreated \(ticket) \(name)"
        case .accountNameTaken(let ticket): return "accountNameTaken \(ticket)"
        case .accountFound(let ticket, let name, _, _): return "accountFound \(ticket) \(name)"
        case .accountMissing(let ticket): return "accountMissing \(ticket)"
        case .accountBanned(let ticket): return "accountBanned \(ticket)"
        case .banChanged(let ticket): return "banChanged \(ticket)"
        case .messageStored(let ticket): return "messageStored \(ticket)"
        case .failed(let ticket): return "failed \(ticket)"
        case .history(let ticket, let entries):
            return "history \(ticket): \(entries.map(\.text).joined(separator: " "))"
        }
    }
}
