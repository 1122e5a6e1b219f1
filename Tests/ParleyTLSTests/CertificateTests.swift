import Foundation
import ParleyTLS
import Testing

@Suite("Self-signed certificates on disk")
struct CertificateTests {
    @Test(
        "A generated certificate is written with mode 0600, reloads with the same fingerprint, and matches the openssl CLI"
    )
    func loadOrCreateRoundTrip() throws {
        let root = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(root) }
        let directory = root + "/nested/certs"
        let created = try CertificateFiles.loadOrCreate(directory: directory, commonName: "parley-test")
        #expect(created.wasCreated)
        #expect(created.certificatePath == directory + "/cert.pem")
        #expect(created.privateKeyPath == directory + "/key.pem")
        for path in [created.certificatePath, created.privateKeyPath] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(path)")
        }
        #expect(created.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(created.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))

        let loaded = try CertificateFiles.loadOrCreate(directory: directory)
        #expect(!loaded.wasCreated)
        #expect(loaded.fingerprint == created.fingerprint)
        #expect(loaded.certificatePEM == created.certificatePEM)
        _ = try TLSContext.server(loaded)  // the key really pairs with the certificate
        _ = try TLSContext.server(certificateFile: loaded.certificatePath, privateKeyFile: loaded.privateKeyPath)
        #expect(OpenSSLErrorQueue.drain().isEmpty, "successful calls leave no stale OpenSSL errors")

        guard let openssl = opensslPath() else { return }  // CLI absent: skip the comparison
        let output =
            runProgram(openssl, ["x509", "-noout", "-fingerprint", "-sha256", "-in", created.certificatePath]) ?? ""
        // e.g. "sha256 Fingerprint=AB:CD:...": compare the digits after '='.
        let printed = output.split(separator: "=", maxSplits: 1).last.map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(printed == created.fingerprint.hexPairs)
        #expect(Fingerprint(parsing: output) == created.fingerprint)

        let text = runProgram(openssl, ["x509", "-noout", "-text", "-in", created.certificatePath]) ?? ""
        #expect(text.contains("Version: 3"))
        #expect(text.contains("CN = parley-test"))
        #expect(text.contains("DNS:localhost"))
        #expect(text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("ecdsa-with-SHA256"))
        #expect(text.contains("prime256v1") || text.contains("P-256"))
        #expect(
            runProgram(
                openssl, ["x509", "-noout", "-checkend", String(9 * 365 * 86400), "-in", created.certificatePath])
                != nil)
    }

    @Test("Two generated certificates differ in key, serial and fingerprint; the default CN is parley")
    func generatedCertificatesAreFresh() throws {
        let first = try SelfSignedCertificate.generate()
        let second = try SelfSignedCertificate.generate()
        #expect(first.fingerprint != second.fingerprint)
        #expect(first.privateKeyPEM != second.privateKeyPEM)
        #expect(try Fingerprint(certificatePEM: first.certificatePEM) == first.fingerprint)
        if let openssl = opensslPath() {
            let directory = try makeTemporaryDirectory()
            defer { removeTemporaryDirectory(directory) }
            let path = directory + "/c.pem"
            try first.certificatePEM.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(runProgram(openssl, ["x509", "-noout", "-subject", "-in", path])?.contains("CN = parley") == true)
        }
    }

    @Test("Only one of cert.pem and key.pem present is an error, not an overwrite")
    func halfPresentIsAnError() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let created = try CertificateFiles.loadOrCreate(directory: directory)
        try FileManager.default.removeItem(atPath: created.certificatePath)
        let error = #expect(throws: TLSError.self) { _ = try CertificateFiles.loadOrCreate(directory: directory) }
        #expect(error?.kind == .fileSystem)
        #expect(try String(contentsOfFile: created.privateKeyPath, encoding: .utf8) == created.privateKeyPEM)
    }

    @Test("A server context refuses a key that does not belong to the certificate")
    func mismatchedKeyIsRefused() throws {
        let one = try SelfSignedCertificate.generate()
        let other = try SelfSignedCertificate.generate()
        let error = #expect(throws: TLSError.self) {
            _ = try TLSContext.server(certificatePEM: one.certificatePEM, privateKeyPEM: other.privateKeyPEM)
        }
        #expect(error?.kind == .certificate)
        #expect(error?.openSSLErrors.isEmpty == false)
    }
}
