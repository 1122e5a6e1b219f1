import ChatCore

// `/passwd OLD NEW` at the Gate (docs/PROTOCOL.md): OLD is checked like a login, so the
// new password is hashed and taken (`OK password changed`) only when OLD is the account's
// password, and a wrong one is `ERR wrong-credentials`. Judged by ticket, from the
// passwords the world gave its accounts, not from the Gate's records.
extension World {
    mutating func checkPasswordChange(_ message: GateMessage, _ effects: [GateEffect]) {
        switch message {
        case .changePassword(_, let name, let old, _, _):
            let right = old.secret == WorldSetup.password(for: Substring(name.text))
            for case .store(.fetchAccount(let ticket, _, _)) in effects { logins.passwordChanges[ticket] = right }
        case .verified(let ticket, _, _), .hashed(let ticket, _):
            guard let right = logins.passwordChanges[ticket], let owner = ticketOwners[ticket] else { return }
            let who = sessions[owner].name
            for effect in effects {
                switch effect {
                case .hasher(.hash(ticket, _)) where !right:
                    return fail(.answerCodes, "\(who)'s /passwd with a wrong old password went on to hash the new one")
                case .session(let id, .deliver(.ok(.passwordChanged))) where slot(id) == owner && !right:
                    return fail(.answerCodes, "\(who)'s /passwd was carried out with a wrong old password")
                case .session(let id, .deliver(.error(.wrongCredentials, _))) where slot(id) == owner && right:
                    return fail(
                        .answerCodes, "\(who)'s /passwd was refused wrong-credentials with the right old password")
                default:
                    continue
                }
            }
        default:
            break
        }
    }
}
