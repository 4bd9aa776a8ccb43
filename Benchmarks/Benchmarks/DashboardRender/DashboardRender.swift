import Benchmark
import Dashboard

/// Rendering the swarm view into the cell buffer: 500 peers × 1,024 pieces (goal: under 2 ms per frame
/// in a release build). The data is synthetic and deterministic; building it is not measured. Each
/// iteration renders one whole frame (status line, tabs, rarity bar, piece map, footer) from scratch,
/// as the UI does when a snapshot arrives.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 5,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 2_000
    )

    var snapshot = DashboardSnapshot(scenario: "flash-crowd", totalRounds: 100)
    snapshot.swarm = SyntheticData.swarm(peers: 500, pieces: 1_024, rounds: 8)

    for (size, sort) in [(Size(width: 160, height: 48), SwarmSort.id), (Size(width: 160, height: 48), .progress),
                         (Size(width: 80, height: 24), .id), (Size(width: 300, height: 80), .rate)] {
        var ui = UIState(tab: .swarm, size: size)
        ui.swarmSort = sort
        ui.selection = "peer-250"
        Benchmark("swarm view 500 peers x 1024 pieces \(size.width)x\(size.height) sorted by \(sort.rawValue)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(render(snapshot, ui, size: size))
            }
        }
    }

    var choke = UIState(tab: .choke, size: Size(width: 160, height: 48))
    choke.selection = "peer-250"
    Benchmark("choke view 500 peers 160x48") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(render(snapshot, choke, size: choke.size)) }
    }
}
