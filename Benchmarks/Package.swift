// swift-tools-version: 6.1
// inetlab benchmarks: a package of its own so that building the product stays lean.
//
//   cd Benchmarks && swift package --disable-sandbox benchmark
//
import PackageDescription

let package = Package(
    name: "inetlab-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "inetlab", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineThroughput",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SimKernel", package: "inetlab"),
                .product(name: "Network", package: "inetlab"),
            ],
            path: "Benchmarks/EngineThroughput",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DHTLookups",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DHT", package: "inetlab"),
                .product(name: "Network", package: "inetlab"),
                .product(name: "SimKernel", package: "inetlab"),
            ],
            path: "Benchmarks/DHTLookups",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DashboardRender",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Dashboard", package: "inetlab"),
            ],
            path: "Benchmarks/DashboardRender",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "scenario-bench",
            dependencies: [.product(name: "Scenario", package: "inetlab"), .product(name: "SimKernel", package: "inetlab")],
            path: "Sources/scenario-bench",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "engine-profile",
            dependencies: [.product(name: "SimKernel", package: "inetlab")],
            path: "Sources/engine-profile",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
