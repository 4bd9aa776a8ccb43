import Benchmark
import DHT
import Network
import SimKernel

/// A 100,000-node Kademlia DHT (warm-started routing tables, three regions), then 1,000 announces of
/// distinct keys and 10,000 get_peers lookups for them from random nodes, sequentially (threads = 1).
///
/// - "build": creating the hosts and warm-starting every routing table.
/// - "build + lookups": the whole run (goal: under 10 s wall and 2 GiB peak memory).
/// Custom metrics report what the lookups did: mean hops ×100, mean messages per lookup ×100,
/// median latency (ms), success per mille, events delivered.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 0,
        scalingFactor: .one,
        maxDuration: .seconds(60),
        maxIterations: 3
    )

    let nodes = 100_000, announces = 1_000, lookups = 10_000, seed: UInt64 = 1

    Benchmark("DHT \(nodes) nodes: build") { benchmark in
        for _ in benchmark.scaledIterations {
            let sim = DHTScale.network(nodes: nodes, seed: seed)
            blackHole(sim.state.nodes.count)
        }
    }

    let custom: [BenchmarkMetric] = [
        .custom("hops mean x100"), .custom("messages per lookup x100"), .custom("latency median ms"),
        .custom("success per mille", polarity: .prefersLarger), .custom("events delivered"),
    ]
    Benchmark("DHT \(nodes) nodes: build + \(announces) announces + \(lookups) get_peers",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident] + custom)) { benchmark in
        for _ in benchmark.scaledIterations {
            let sim = DHTScale.network(nodes: nodes, seed: seed)
            let end = DHTScale.scheduleWorkload(on: sim, announces: announces, lookups: lookups, seed: seed)
            sim.run(until: end)
            benchmark.stopMeasurement()
            let m = DHTMetrics.aggregate(sim.state.nodes.lazy.map(\.app))
            precondition(m.lookups == announces + lookups, "every lookup must finish")
            benchmark.measurement(custom[0], Int((m.hops.mean * 100).rounded()))
            benchmark.measurement(custom[1], Int((m.messages.mean * 100).rounded()))
            benchmark.measurement(custom[2], Int(m.latencyMs.median.rounded()))
            benchmark.measurement(custom[3], Int((m.successRate * 1000).rounded()))
            benchmark.measurement(custom[4], Int(sim.state.eventsDelivered))
        }
    }
}
