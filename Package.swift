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
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Pure: the protocol and every actor as a state machine. Standard library only.
        // Cross-module optimization lets the simulator and the server specialize ChatCore's
        // generic entry points (bytesReceived over any byte collection) in release builds.
        .target(
            name: "ChatCore",
            swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
        // Drives ChatCore's actors with no threads: the FIFO driver and the simulator.
        .target(name: "ParleySimulation", dependencies: ["ChatCore"], path: "Simulations"),

        // System SQLite 3 (libsqlite3-dev) and the storage on top of it.
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "ParleyStore", dependencies: ["CSQLite"]),

        // System OpenSSL 3 (libssl-dev), a shim for its macros, and TLS, certificates, scrypt.
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CParleyTLSShim", dependencies: ["COpenSSL"], path: "Sources/CParleyTLSShim"),
        .target(name: "ParleyTLS", dependencies: ["COpenSSL", "CParleyTLSShim"]),

        // The threaded shell's one interface to threads and the OS (see Platform.swift).
        .target(name: "ParleyPlatform", dependencies: ["ChatCore"]),
        // The threaded shell that runs ChatCore's actors in production.
        .target(name: "CParleySystem"),
        .target(
            name: "ParleyServer",
            dependencies: [
                "ChatCore", "ParleyPlatform", "ParleyStore", "ParleyTLS", "CParleySystem",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The threaded shell under a seeded scheduler: ControlledPlatform (real threads, one at
        // a time, every Platform call a scheduling point) and the harness that drives it.
        .target(
            name: "ParleyShellSimulation",
            dependencies: [
                "ChatCore", "ParleyPlatform", "ParleyStore", "CSQLite", "ParleySimulation", "ParleyServer",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "ShellSimulation"
        ),
        // The load generator: Parley's protocol or IRC over TLS, latency histograms.
        .target(
            name: "ParleyLoad",
            dependencies: [
                "ChatCore", "ParleyTLS", "CParleySystem", .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The terminal client: known servers, trust on first use, rendering, the line editor.
        .target(name: "ParleyClient", dependencies: ["ChatCore", "ParleyTLS"]),
        .executableTarget(
            name: "parley",
            dependencies: [
                "ChatCore", "ParleySimulation", "ParleyShellSimulation", "ParleyServer", "ParleyStore", "ParleyTLS",
                "ParleyLoad", "ParleyClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "ChatCoreTests", dependencies: ["ChatCore", "ParleySimulation"]),
        .testTarget(name: "ParleyStoreTests", dependencies: ["ParleyStore"]),
        .testTarget(name: "ParleyTLSTests", dependencies: ["ParleyTLS"]),
        .testTarget(name: "ParleyServerTests", dependencies: ["ParleyServer", "ParleyTLS", "ParleyStore", "ChatCore"]),
        .testTarget(
            name: "ParleyClientTests",
            dependencies: [
                "ParleyClient", "ParleyServer", "ParleyTLS", "ChatCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fixture replays, seed sweeps, determinism, and broken actors the simulator must catch.
        // The controlled platform's own tests, shell fixtures, and broken platforms it must catch.
        .testTarget(
            name: "ShellSimulationTests", dependencies: ["ParleyShellSimulation", "ParleyPlatform", "ChatCore"],
            exclude: ["Planted"]),
        .testTarget(name: "SimulationTests", dependencies: ["ParleySimulation", "ChatCore"], exclude: ["Planted"]),
    ]
)
