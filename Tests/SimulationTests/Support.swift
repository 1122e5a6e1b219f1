import Foundation
import ParleySimulation

/// The package's top directory, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Every fixture in a directory, sorted by name.
func fixtureFiles(in directory: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0) }
}

/// The repository's fixtures: shrunk runs of real bugs and of the design's hazards.
var repositoryFixtures: [URL] { fixtureFiles(in: packageRoot.appendingPathComponent("fixtures")) }

/// Fixtures found with planted actors; they replay only with the plant that found them.
var plantedFixtures: [URL] { fixtureFiles(in: packageRoot.appendingPathComponent("Tests/SimulationTests/Planted")) }

/// The small options the tests run with: short runs keep a debug build fast.
let testOptions = SimulationOptions(steps: 300)
