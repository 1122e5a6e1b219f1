import ParleyTLS

/// What to do with the certificate a server presented: trust on first use, like SSH.
public enum TrustDecision: Equatable, Sendable {
    /// It is the pinned one: go on.
    case trusted
    /// `--fingerprint` named it and known_servers has no entry yet: record it, then go on.
    case trustAndRemember
    /// Nobody has decided yet and a person is at the terminal: show it and ask.
    case ask
    /// Do not talk to this server.
    case refuse(ClientError)
}

/// The trust decision as a pure function of what is known, so every case is a unit test.
public enum TrustPolicy {
    /// - Parameters:
    ///   - presented: the fingerprint of the certificate the server just presented.
    ///   - known: the known_servers entry for this server, if any.
    ///   - expected: the `--fingerprint` the person gave, if any.
    ///   - interactive: whether a person can be asked (standard input is a terminal).
    ///   - file: the known_servers path, to name in messages.
    public static func decide(
        endpoint: Endpoint, presented: Fingerprint, known: KnownServers.Entry?,
        expected: Fingerprint?, interactive: Bool, file: String
    ) -> TrustDecision {
        // A pin wins over everything: --fingerprint can neither override it nor add a
        // second pin beside it. Only deleting the line lets another certificate in.
        if let known {
            guard known.fingerprint == presented else {
                return .refuse(mismatch(endpoint: endpoint, known: known, presented: presented, file: file))
            }
            if let expected, expected != known.fingerprint {
                return .refuse(
                    mismatch(
                        endpoint: endpoint, known: known, presented: expected, file: file,
                        presentedBy: "--fingerprint names"))
            }
            return .trusted
        }
        if let expected, expected != presented {
            return .refuse(
                ClientError(
                    .fingerprintMismatch,
                    "REFUSING \(endpoint): its certificate is not the one --fingerprint names; "
                        + "expected \(expected), presented \(presented)"))
        }
        if expected != nil { return .trustAndRemember }
        if interactive { return .ask }
        return .refuse(
            ClientError(
                .untrusted,
                "\(endpoint) is not in \(file) and standard input is not a terminal, so nobody can confirm "
                    + "its certificate \(presented); check it against the fingerprint `parley serve` printed "
                    + "and run again with --fingerprint SHA256:..."))
    }

    /// The loud refusal when a known server's certificate changed: both fingerprints, and
    /// the line of the file to delete if the change was expected.
    /// With `presentedBy: "--fingerprint names"` the same refusal for a `--fingerprint`
    /// that disagrees with the pin (while the server still shows the pinned certificate).
    static func mismatch(
        endpoint: Endpoint, known: KnownServers.Entry, presented: Fingerprint,
        file: String, presentedBy: String = "presented"
    ) -> ClientError {
        ClientError(
            .fingerprintMismatch,
            "REFUSING \(endpoint): its certificate has CHANGED since you trusted it "
                + "(someone may be intercepting the connection, or the server has a new certificate); "
                + "trusted \(known.fingerprint), \(presentedBy) \(presented); if you expect this change, "
                + "delete line \(known.line) of \(file) and connect again")
    }

    /// What is shown before a first connection: the server and its fingerprint.
    public static func introduction(endpoint: Endpoint, presented: Fingerprint) -> String {
        """
        The server \(endpoint) is not known yet. Its certificate fingerprint is
          \(presented)
        Compare it with the fingerprint `parley serve` printed when it started.

        """
    }

    /// The question itself, ending without a newline; asked again after an unclear answer.
    public static func question(file: String) -> String {
        "Trust this server and remember it in \(file)? (yes/no/[fingerprint]) "
    }
}

/// A person's answer to `TrustPolicy.question`.
public enum TrustAnswer: Equatable, Sendable {
    case accept
    case reject
    /// Neither yes nor no: ask again.
    case unclear

    /// "yes"/"y" accept, "no"/"n" reject (any case); a pasted fingerprint accepts when it
    /// is the presented one and rejects otherwise, as SSH does.
    public static func parse(_ text: String, presented: Fingerprint) -> TrustAnswer {
        let answer = text.trimmingASCIIWhitespace().lowercased()
        switch answer {
        case "yes", "y": return .accept
        case "no", "n": return .reject
        default:
            guard let pasted = Fingerprint(parsing: answer) else { return .unclear }
            return pasted == presented ? .accept : .reject
        }
    }
}
