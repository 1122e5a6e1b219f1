import COpenSSL
import CParleyTLSShim

/// A configured OpenSSL `SSL_CTX`: the shared settings for many `TLSConnection`s.
///
/// Policy for both roles: TLS 1.3 preferred, TLS 1.2 the lowest; TLS 1.2 limited to ECDHE
/// with AES-GCM or ChaCha20-Poly1305; key exchange over X25519 or P-256 only (see
/// `keyExchangeGroupChoices`); no compression, no renegotiation, no session
/// resumption; `SSL_MODE_RELEASE_BUFFERS` so idle connections give their 16+ KiB record
/// buffers back, plus partial writes and moving write buffers for non-blocking use.
///
/// A context is immutable once built and OpenSSL 3 reference-counts it with atomics, so one
/// context may be shared by every thread that creates connections.
public final class TLSContext: @unchecked Sendable {
    /// Which side of the handshake connections made from this context take.
    public enum Role: Sendable, Hashable {
        case server
        case client
    }

    /// Settings for a client context.
    public struct ClientOptions: Sendable, Hashable {
        /// Lowest version offered (default TLS 1.2).
        public var minimumVersion: TLSVersion
        /// Highest version offered (default TLS 1.3).
        public var maximumVersion: TLSVersion
        /// Drop OpenSSL's security level to 0 and offer its whole DEFAULT cipher list.
        /// OpenSSL 3 refuses TLS 1.0/1.1 outright at the default level 1, so this is the
        /// only way a test client can really send a TLS 1.1 ClientHello. Never in production.
        public var allowInsecureLegacyProtocols: Bool
        /// The key-exchange groups offered, in OpenSSL's list syntax ("X25519:P-256");
        /// nil offers Parley's own (`TLSContext.keyExchangeGroups`). Tests use it to play
        /// a client that offers only expensive finite-field groups.
        public var groups: String?

        /// Defaults: TLS 1.2 to TLS 1.3, OpenSSL's normal security level, Parley's groups.
        public init(
            minimumVersion: TLSVersion = .tls1_2, maximumVersion: TLSVersion = .tls1_3,
            allowInsecureLegacyProtocols: Bool = false, groups: String? = nil
        ) {
            self.minimumVersion = minimumVersion
            self.maximumVersion = maximumVersion
            self.allowInsecureLegacyProtocols = allowInsecureLegacyProtocols
            self.groups = groups
        }

        /// A client that can only speak TLS 1.1, for testing that servers refuse it.
        public static let legacyTLS11ForTesting = ClientOptions(
            minimumVersion: .tls1_1, maximumVersion: .tls1_1, allowInsecureLegacyProtocols: true)
    }

    /// TLS 1.2 suites: forward secret (ECDHE) and AEAD only.
    static let tls12CipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// TLS 1.3 suites (all three are AEAD; this is OpenSSL's default, stated explicitly).
    static let tls13CipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    /// Key-exchange groups, most preferred first: the post-quantum hybrid where the
    /// system's OpenSSL has it (3.5 and later), else X25519 and P-256 alone. Never the
    /// finite-field (ffdhe) groups: a ClientHello offering only ffdhe8192 costs the
    /// server 124-140 ms of CPU, a cheap way to burn its cores; the elliptic curves cost
    /// well under a millisecond. A client that offers none of these is refused.
    public static let keyExchangeGroupChoices = ["X25519MLKEM768:X25519:P-256", "X25519:P-256"]

    /// The role connections made from this context take.
    public let role: Role
    /// The `SSL_CTX*`; valid for the lifetime of this object.
    let pointer: OpaquePointer

    private init(role: Role, pointer: OpaquePointer) {
        self.role = role
        self.pointer = pointer
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// A server context using the PEM certificate (chain) file and PEM private key file.
    public static func server(certificateFile: String, privateKeyFile: String) throws(TLSError) -> TLSContext {
        let context = try makeServer()
        OpenSSLErrorQueue.clear()
        guard SSL_CTX_use_certificate_chain_file(context.pointer, certificateFile) == 1 else {
            throw .drainingQueue(.certificate, "cannot load certificate from \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(context.pointer, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw .drainingQueue(.certificate, "cannot load private key from \(privateKeyFile)")
        }
        try context.checkPrivateKey()
        return context
    }

    /// A server context from PEM text of a certificate and its private key.
    public static func server(certificatePEM: String, privateKeyPEM: String) throws(TLSError) -> TLSContext {
        let certificate = try X509Certificate(pem: certificatePEM)
        let key = try PrivateKey(pem: privateKeyPEM)
        let context = try makeServer()
        OpenSSLErrorQueue.clear()
        guard SSL_CTX_use_certificate(context.pointer, certificate.pointer) == 1 else {
            throw .drainingQueue(.certificate, "cannot use the certificate")
        }
        guard SSL_CTX_use_PrivateKey(context.pointer, key.pointer) == 1 else {
            throw .drainingQueue(.certificate, "cannot use the private key")
        }
        try context.checkPrivateKey()
        return context
    }

    /// A server context for certificate files found or made by `CertificateFiles.loadOrCreate`.
    public static func server(_ files: CertificateFiles) throws(TLSError) -> TLSContext {
        try server(certificatePEM: files.certificatePEM, privateKeyPEM: files.privateKeyPEM)
    }

    /// A client context. It does not verify the server against any CA: Parley servers are
    /// self-signed, so the caller pins `TLSConnection.peerCertificateFingerprint` instead.
    public static func client(_ options: ClientOptions = ClientOptions()) throws(TLSError) -> TLSContext {
        OpenSSLErrorQueue.clear()
        guard let pointer = SSL_CTX_new(TLS_client_method()) else {
            throw .drainingQueue(.configuration, "SSL_CTX_new failed")
        }
        let context = TLSContext(role: .client, pointer: pointer)
        // Explicit: no chain verification; trust comes from fingerprint pinning.
        SSL_CTX_set_verify(pointer, SSL_VERIFY_NONE, nil)
        if options.allowInsecureLegacyProtocols {
            SSL_CTX_set_security_level(pointer, 0)
            try context.setCipherList("DEFAULT:@SECLEVEL=0")
        } else {
            try context.setCipherList(tls12CipherList)
        }
        try context.applyCommonPolicy(minimum: options.minimumVersion, maximum: options.maximumVersion)
        if let groups = options.groups {
            guard parley_SSL_CTX_set1_groups_list(pointer, groups) == 1 else {
                throw .drainingQueue(.configuration, "cannot set key-exchange groups \(groups)")
            }
        }
        return context
    }

    private static func makeServer() throws(TLSError) -> TLSContext {
        OpenSSLErrorQueue.clear()
        guard let pointer = SSL_CTX_new(TLS_server_method()) else {
            throw .drainingQueue(.configuration, "SSL_CTX_new failed")
        }
        let context = TLSContext(role: .server, pointer: pointer)
        try context.setCipherList(tls12CipherList)
        try context.applyCommonPolicy(minimum: .tls1_2, maximum: .tls1_3)
        // Our order wins over the client's when choosing a TLS 1.2 suite.
        SSL_CTX_set_options(pointer, parley_SSL_OP_CIPHER_SERVER_PREFERENCE)
        // Decrypted records (a /login line among them) are zeroed once read, not left in
        // OpenSSL's buffers.
        SSL_CTX_set_options(pointer, parley_SSL_OP_CLEANSE_PLAINTEXT)
        // No resumption: no server-side session cache and no tickets. Each handshake then
        // shows the certificate (what clients pin) and no per-session state piles up.
        _ = parley_SSL_CTX_set_session_cache_mode(pointer, Int(SSL_SESS_CACHE_OFF))
        _ = SSL_CTX_set_num_tickets(pointer, 0)
        return context
    }

    private func setCipherList(_ list: String) throws(TLSError) {
        guard SSL_CTX_set_cipher_list(pointer, list) == 1 else {
            throw .drainingQueue(.configuration, "cannot set TLS 1.2 cipher list \(list)")
        }
        guard SSL_CTX_set_ciphersuites(pointer, Self.tls13CipherSuites) == 1 else {
            throw .drainingQueue(.configuration, "cannot set TLS 1.3 cipher suites")
        }
    }

    private func applyCommonPolicy(minimum: TLSVersion, maximum: TLSVersion) throws(TLSError) {
        guard parley_SSL_CTX_set_min_proto_version(pointer, minimum.openSSLValue) == 1,
            parley_SSL_CTX_set_max_proto_version(pointer, maximum.openSSLValue) == 1
        else {
            throw .drainingQueue(.configuration, "cannot set protocol versions \(minimum)...\(maximum)")
        }
        SSL_CTX_set_options(
            pointer, parley_SSL_OP_NO_COMPRESSION | parley_SSL_OP_NO_RENEGOTIATION | parley_SSL_OP_NO_TICKET)
        try setKeyExchangeGroups()
        if role == .server {
            // A client that half-closes TCP without close_notify (a script's last line,
            // then EOF) reads as a clean end of input rather than a fatal error, so the
            // answers already waiting for it can still be written.
            SSL_CTX_set_options(pointer, parley_SSL_OP_IGNORE_UNEXPECTED_EOF)
        }
        // RELEASE_BUFFERS: free record buffers whenever a connection is idle (memory per
        // idle session). PARTIAL_WRITE + ACCEPT_MOVING_WRITE_BUFFER: non-blocking writes may
        // report progress record by record and be retried from a buffer that has moved.
        _ = parley_SSL_CTX_set_mode(
            pointer,
            Int(
                SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE
                    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
    }

    /// The key-exchange groups this process's OpenSSL accepts from `keyExchangeGroupChoices`.
    public static let keyExchangeGroups: String = {
        guard let context = SSL_CTX_new(TLS_method()) else { return keyExchangeGroupChoices.last! }
        defer { SSL_CTX_free(context) }
        let usable = keyExchangeGroupChoices.first { parley_SSL_CTX_set1_groups_list(context, $0) == 1 }
        OpenSSLErrorQueue.clear()  // an unknown group name leaves an error behind
        return usable ?? keyExchangeGroupChoices.last!
    }()

    private func setKeyExchangeGroups() throws(TLSError) {
        guard parley_SSL_CTX_set1_groups_list(pointer, Self.keyExchangeGroups) == 1 else {
            throw .drainingQueue(.configuration, "cannot set key-exchange groups \(Self.keyExchangeGroups)")
        }
    }

    private func checkPrivateKey() throws(TLSError) {
        guard SSL_CTX_check_private_key(pointer) == 1 else {
            throw .drainingQueue(.certificate, "the private key does not match the certificate")
        }
    }
}
