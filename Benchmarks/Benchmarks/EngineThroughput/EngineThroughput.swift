import Benchmark
import SimKernel

/// Engine throughput on a synthetic workload: 1,000 nodes exchanging timed messages.
///
/// Each iteration runs a fresh simulation for a fixed amount of virtual time; the throughput metric is
/// delivered events per second of wall time (scaled by `eventsPerIteration`). Compare `threads1` with
/// `threads2`, with no work per event (pure engine overhead) and with some work per event.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(20),
        maxIterations: 10
    )

    for work in [0, 200] {
        for threads in [1, 2] {
            // Count the events once, outside the measurement, to report events/s.
            let probe = SyntheticWorkload.simulation(nodes: 1_000, tokensPerNode: 8, seed: 1, threads: 1, workPerEvent: work)
            probe.run(until: .seconds(20))
            let events = Int(probe.state.eventsDelivered)
            Benchmark("engine 1000 nodes work=\(work) threads=\(threads) (\(events) events)",
                      configuration: .init(scalingFactor: .one)) { benchmark in
                for _ in benchmark.scaledIterations {
                    let sim = SyntheticWorkload.simulation(nodes: 1_000, tokensPerNode: 8, seed: 1, threads: threads, workPerEvent: work)
                    benchmark.startMeasurement()
                    sim.run(until: .seconds(20))
                    benchmark.stopMeasurement()
                    precondition(Int(sim.state.eventsDelivered) == events, "every thread count must run the same events")
                    blackHole(sim.state.fingerprint)
                }
            }
        }
    }
}
