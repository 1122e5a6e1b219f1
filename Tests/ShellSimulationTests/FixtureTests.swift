import Foundation
import ParleyShellSimulation
import Testing

/// Every shell fixture under fixtures/shell/ and Tests/ShellSimulationTests/Planted/ (the
/// planted bugs' shrunk runs) replays strictly on production's shell: a
/// fixture of a broken platform must still be caught by the invariant it names; any other
/// must hold.
@Suite("Shell fixtures replay")
struct ShellFixtureTests {
    static var directories: [String] {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return [
            here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/shell").path,
            here.appendingPathComponent("Planted").path,
        ]
    }

    static var files: [String] {
        directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }
                .sorted()
                .map { directory + "/" + $0 }
        }
    }

    @Test("Each shell fixture replays strictly and still finds what it names", arguments: files)
    func fixtureReplays(_ file: String) throws {
        let fixture = try ShellFixture.load(from: file)
        let result = try fixture.replay()
        #expect(result.stale.map { "decision \($0.0) \"\($0.1)\" no longer fits" } == nil)
        if fixture.plant != nil {
            #expect(
                result.violation?.invariant == fixture.invariant, "\(file): \(result.violation?.description ?? "holds")"
            )
        } else {
            #expect(result.violation == nil, "\(file): \(result.violation?.description ?? "")")
        }
    }
}
