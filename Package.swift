// swift-tools-version: 6.1
// inetlab — an emulated Internet for teaching P2P and CDNs, with a terminal dashboard.
import PackageDescription

// Every target is compiled in Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "inetlab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "inetlab", targets: ["inetlab"]),
        .library(name: "SimKernel", targets: ["SimKernel"]),
        .library(name: "Network", targets: ["Network"]),
        .library(name: "Scenario", targets: ["Scenario"]),
        .library(name: "BitTorrent", targets: ["BitTorrent"]),
        .library(name: "DHT", targets: ["DHT"]),
        .library(name: "Dashboard", targets: ["Dashboard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // MARK: Simulation core
        /// Virtual clock, event heap, per-node PRNG, windowed parallel runner, fingerprint, checkpoints, event log.
        .target(
            name: "SimKernel",
            dependencies: [
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        /// Hosts, access links, regions, NAT boxes (RFC 4787), datagrams and connections, failure injection.
        .target(name: "Network", dependencies: ["SimKernel"]),

        // MARK: Protocols
        /// Bencode, metainfo (.torrent), tracker, peers, piece picker, choker, client–server baseline.
        .target(
            name: "BitTorrent",
            dependencies: [
                "SimKernel", "Network",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "BitCollections", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        /// Kademlia DHT nodes with BEP 5 semantics (KRPC messages, routing table, iterative lookups).
        .target(name: "DHT", dependencies: ["SimKernel", "Network", "BitTorrent"]),

        // MARK: Scenarios and runs
        /// YAML scenario schema with file:line:column errors, overrides, building a run, reports.
        .target(
            name: "Scenario",
            dependencies: [
                "SimKernel", "Network", "BitTorrent", "DHT",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // MARK: Dashboard
        /// UI state, actions, reducer, and views rendering snapshots into a cell buffer (no terminal I/O).
        .target(name: "Dashboard", dependencies: ["SimKernel", "Network", "BitTorrent", "DHT", "Scenario"]),
        /// ncursesw, wrapped for Swift (the only C in the project). Its headers are in the default include
        /// path on Debian; no `pkgConfig:` because SwiftPM would warn about the `-D` flags pkg-config
        /// reports (shim.h defines what is needed instead).
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncursesw5-dev"])]),
        /// The ncurses backend: terminal set-up and restore, colours, wide characters, input, resize, diffed flush.
        .target(name: "TerminalCurses", dependencies: ["CNcursesw", "Dashboard"]),

        // MARK: Executable
        .executableTarget(
            name: "inetlab",
            dependencies: [
                "SimKernel", "Network", "Scenario", "BitTorrent", "Dashboard", "TerminalCurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "NetworkTests", dependencies: ["Network", "SimKernel"]),
        .testTarget(name: "BitTorrentTests", dependencies: ["BitTorrent"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Network", "SimKernel"]),
        .testTarget(name: "DHTTests", dependencies: ["DHT", "Network", "SimKernel", "BitTorrent"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Scenario", "SimKernel"], exclude: ["Snapshots"]),
        .testTarget(name: "inetlabTests", dependencies: ["Scenario"]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
