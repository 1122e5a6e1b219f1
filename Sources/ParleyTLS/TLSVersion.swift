import COpenSSL

/// A TLS protocol version, for configuring contexts.
///
/// `.tls1_1` exists only so tests can prove the server refuses it; servers never go
/// below `.tls1_2`.
public enum TLSVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    // The names OpenSSL and the RFCs use (TLS1_2_VERSION), kept over lower camel case.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case tls1_1
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case tls1_2
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case tls1_3

    var openSSLValue: Int32 {
        switch self {
        case .tls1_1: TLS1_1_VERSION
        case .tls1_2: TLS1_2_VERSION
        case .tls1_3: TLS1_3_VERSION
        }
    }

    /// The name OpenSSL reports for it, e.g. "TLSv1.3".
    public var description: String {
        switch self {
        case .tls1_1: "TLSv1.1"
        case .tls1_2: "TLSv1.2"
        case .tls1_3: "TLSv1.3"
        }
    }
}
