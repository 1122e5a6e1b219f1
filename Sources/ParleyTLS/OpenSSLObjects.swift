import COpenSSL
import CParleyTLSShim

// Owning wrappers for the OpenSSL objects this module passes around. Each frees its pointer
// in deinit, so early exits and thrown errors cannot leak.

/// An owned `X509*`.
final class X509Certificate {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer` (one reference).
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Parses the first certificate in PEM text.
    convenience init(pem: String) throws(TLSError) {
        let bio = try MemoryBIO(contents: pem)
        OpenSSLErrorQueue.clear()
        guard let certificate = PEM_read_bio_X509(bio.pointer, nil, nil, nil) else {
            throw .drainingQueue(.certificate, "cannot parse PEM certificate")
        }
        self.init(taking: certificate)
    }

    deinit {
        X509_free(pointer)
    }

    /// PEM text ("-----BEGIN CERTIFICATE-----").
    func pem() throws(TLSError) -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_X509(bio.pointer, pointer) == 1 else {
            throw .drainingQueue(.certificate, "cannot write certificate as PEM")
        }
        return bio.contents()
    }

    /// SHA-256 over the DER encoding, via X509_digest (what `openssl x509 -fingerprint` uses).
    func fingerprint() throws(TLSError) -> Fingerprint {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        OpenSSLErrorQueue.clear()
        guard X509_digest(pointer, EVP_sha256(), &digest, &length) == 1, length == 32 else {
            throw .drainingQueue(.crypto, "X509_digest failed")
        }
        return Fingerprint(digest: Array(digest.prefix(32)))
    }
}

/// An owned `EVP_PKEY*`.
final class PrivateKey {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Parses an unencrypted PEM private key (PKCS#8 or traditional).
    convenience init(pem: String) throws(TLSError) {
        let bio = try MemoryBIO(contents: pem)
        OpenSSLErrorQueue.clear()
        guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, nil, nil) else {
            throw .drainingQueue(.certificate, "cannot parse PEM private key")
        }
        self.init(taking: key)
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// A fresh EC key on P-256 (prime256v1). Uses the EVP_PKEY_CTX path because the
    /// one-call EVP_PKEY_Q_keygen / EVP_EC_gen are variadic or macros and do not import.
    static func generateP256() throws(TLSError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else {
            throw .drainingQueue(.crypto, "EVP_PKEY_CTX_new_id(EC) failed")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1,
            EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1) == 1
        else {
            throw .drainingQueue(.crypto, "cannot set up P-256 key generation")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw .drainingQueue(.crypto, "EC key generation failed")
        }
        return PrivateKey(taking: key)
    }

    /// Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    func pem() throws(TLSError) -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw .drainingQueue(.certificate, "cannot write private key as PEM")
        }
        return bio.contents()
    }
}

/// An owned memory `BIO*`, for PEM reading and writing without files.
final class MemoryBIO {
    let pointer: OpaquePointer

    /// An empty, writable memory BIO.
    init() throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .drainingQueue(.crypto, "BIO_new(BIO_s_mem) failed")
        }
        pointer = bio
    }

    /// A memory BIO holding a copy of `text`.
    convenience init(contents text: String) throws(TLSError) {
        try self.init()
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { BIO_write(pointer, $0.baseAddress, Int32($0.count)) }
        guard written == bytes.count else {
            throw .drainingQueue(.crypto, "BIO_write failed")
        }
    }

    deinit {
        BIO_free(pointer)
    }

    /// Everything written so far, as UTF-8 text (PEM is ASCII).
    func contents() -> String {
        var data: UnsafeMutablePointer<CChar>?
        let length = parley_BIO_get_mem_data(pointer, &data)
        guard length > 0, let data else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}
