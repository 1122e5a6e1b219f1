import COpenSSL

/// A freshly generated EC P-256 key and a self-signed X.509 v3 certificate for it, built
/// with OpenSSL's API (never the CLI).
///
/// The certificate: subject and issuer CN = `commonName`; random positive 128-bit serial;
/// valid from one hour ago (tolerates clock skew) for ten years; SAN DNS:localhost and
/// IP:127.0.0.1; CA:FALSE, digitalSignature, serverAuth; signed with SHA-256.
public struct SelfSignedCertificate: Sendable, Hashable {
    /// The certificate as PEM.
    public let certificatePEM: String
    /// The private key as unencrypted PKCS#8 PEM. Treat as secret.
    public let privateKeyPEM: String
    /// SHA-256 fingerprint of the certificate, for clients to pin.
    public let fingerprint: Fingerprint

    /// Generates a new key and certificate.
    public static func generate(commonName: String = "parley") throws(TLSError) -> SelfSignedCertificate {
        let key = try PrivateKey.generateP256()
        let certificate = try makeCertificate(for: key, commonName: commonName)
        return SelfSignedCertificate(
            certificatePEM: try certificate.pem(),
            privateKeyPEM: try key.pem(),
            fingerprint: try certificate.fingerprint())
    }

    private static let validity = (days: 3652, startOffsetSeconds: -3600)  // ten years, from an hour ago

    private static func makeCertificate(for key: PrivateKey, commonName: String) throws(TLSError) -> X509Certificate {
        OpenSSLErrorQueue.clear()
        guard let raw = X509_new() else {
            throw .drainingQueue(.certificate, "X509_new failed")
        }
        let certificate = X509Certificate(taking: raw)
        let x509 = certificate.pointer

        guard X509_set_version(x509, Int(X509_VERSION_3)) == 1 else {
            throw .drainingQueue(.certificate, "cannot set certificate version")
        }
        try setRandomSerial(x509)

        guard X509_gmtime_adj(X509_getm_notBefore(x509), validity.startOffsetSeconds) != nil,
            X509_time_adj_ex(X509_getm_notAfter(x509), Int32(validity.days), validity.startOffsetSeconds, nil) != nil
        else {
            throw .drainingQueue(.certificate, "cannot set validity period")
        }

        // Self-signed: the subject name doubles as the issuer name.
        guard let name = X509_get_subject_name(x509),
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1,
            X509_set_issuer_name(x509, name) == 1
        else {
            throw .drainingQueue(.certificate, "cannot set subject name CN=\(commonName)")
        }
        guard X509_set_pubkey(x509, key.pointer) == 1 else {
            throw .drainingQueue(.certificate, "cannot set public key")
        }

        var v3 = X509V3_CTX()
        X509V3_set_ctx(&v3, x509, x509, nil, nil, 0)
        let extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_key_identifier, "hash"),
            (NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"),
        ]
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &v3, nid, value) else {
                throw .drainingQueue(.certificate, "cannot build extension \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else {
                throw .drainingQueue(.certificate, "cannot add extension \(value)")
            }
        }

        guard X509_sign(x509, key.pointer, EVP_sha256()) > 0 else {
            throw .drainingQueue(.certificate, "cannot sign certificate")
        }
        return certificate
    }

    private static func setRandomSerial(_ x509: OpaquePointer) throws(TLSError) {
        var serial = try SecureRandom.bytes(16)
        serial[0] = (serial[0] & 0x7F) | 0x40  // positive and never zero, always 16 bytes
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else {
            throw .drainingQueue(.certificate, "BN_bin2bn failed")
        }
        defer { BN_free(number) }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x509)) != nil else {
            throw .drainingQueue(.certificate, "cannot set serial number")
        }
    }
}
