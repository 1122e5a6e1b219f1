// swift-tools-version:6.0
import PackageDescription

// The house plan: ChatCore knows the rules of the chat and nothing else; every other
// module carries bytes, rows or threads to it and back. See docs/ARCHITECTURE.md.
let package = Package(
    name: "Parley",
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .library(name: "ChatCore", targets: ["ChatCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Pure: the protocol and every actor as a state machine. Standard library only.
        // Cross-module optimization lets the simulator and the server specialize ChatCore's
        // generic entry points (bytesReceived over any byte collection) in release builds.
        .target(name: "ChatCore", swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
        // Drives ChatCore's actors with no threads: the FIFO driver and the simulator.
        .target(name: "ParleySimulation", dependencies: ["ChatCore"], path: "Simulations"),
        .executableTarget(
            name: "parley",
            dependencies: [
                "ChatCore",
                "ParleySimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ChatCoreTests", dependencies: ["ChatCore", "ParleySimulation"]),
        // Fixture replays, seed sweeps, determinism, and broken actors the simulator must catch.
        .testTarget(name: "SimulationTests", dependencies: ["ParleySimulation", "ChatCore"]),
    ]
)
