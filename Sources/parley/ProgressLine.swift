import Foundation

/// The one line of progress a long command rewrites in place on standard error, so
/// standard output keeps only the summary.
enum ProgressLine {
    static func show(_ text: String) {
        FileHandle.standardError.write(Data("\r  \(text)   ".utf8))
    }

    static func clear() {
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 79) + "\r").utf8))
    }
}
