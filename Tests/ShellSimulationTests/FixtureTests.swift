import Foundation
import ParleyShellSimulation
import XCTest

/// Every shell fixture under fixtures/shell/ replays strictly: a fixture of a broken
/// platform must still be caught by the invariant it names; any other must hold.
final class ShellFixtureTests: XCTestCase {
    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/shell").path
    }

    func testShellFixturesReplay() throws {
        guard let maker = ShellSimulation.maker ?? ShellSimulation.defaultMaker else { throw XCTSkip("no shell to run") }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: Self.directory)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let fixture = try ShellFixture.load(from: Self.directory + "/" + file)
            let result = try fixture.replay(maker: maker)
            XCTAssertNil(result.stale.map { "decision \($0.0) \"\($0.1)\" no longer fits" }, file)
            if fixture.plant != nil {
                XCTAssertEqual(result.violation?.invariant, fixture.invariant, "\(file): \(result.violation?.description ?? "holds")")
            } else {
                XCTAssertNil(result.violation, "\(file): \(result.violation?.description ?? "")")
            }
        }
    }
}
