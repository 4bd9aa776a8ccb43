import Testing
@testable import SimKernel

@Suite struct DeterminismTests {
    func run(seed: UInt64, threads: Int, until seconds: Int64 = 5, controls: Bool = true) -> Simulation<SyntheticWorkload> {
        let sim = SyntheticWorkload.simulation(nodes: 64, tokensPerNode: 2, seed: seed, threads: threads)
        if controls {
            sim.state.scheduleControl(.pause(0..<8), at: SimTime(nanoseconds: 1_500_000_000))
            sim.state.scheduleControl(.resume(0..<8), at: SimTime(nanoseconds: 2_500_000_000))
        }
        sim.run(until: .seconds(seconds))
        return sim
    }

    @Test func sameSeedSameFingerprintAcrossRepeats() {
        let a = run(seed: 7, threads: 1), b = run(seed: 7, threads: 1)
        #expect(a.state.eventsDelivered > 5_000)
        #expect(a.state.fingerprint == b.state.fingerprint)
        #expect(a.state.nodes == b.state.nodes)
    }

    @Test(arguments: [2, 3, 4, 8])
    func threadCountDoesNotChangeTheRun(threads: Int) {
        let one = run(seed: 11, threads: 1)
        let many = run(seed: 11, threads: threads)
        #expect(one.state.fingerprint == many.state.fingerprint)
        #expect(one.state.nodes == many.state.nodes)
        #expect(one.state.slots == many.state.slots)
        #expect(Array(one.state.log.entries) == Array(many.state.log.entries))
        #expect(one.state.log.totalRecorded > 0)
    }

    @Test func differentSeedDifferentFingerprint() {
        #expect(run(seed: 1, threads: 1).state.fingerprint != run(seed: 2, threads: 1).state.fingerprint)
    }

    @Test func controlsChangeTheFingerprint() {
        #expect(run(seed: 3, threads: 1).state.fingerprint != run(seed: 3, threads: 1, controls: false).state.fingerprint)
    }

    @Test func stepwiseEqualsBulk() {
        let bulk = run(seed: 5, threads: 1, until: 1)
        let stepped = SyntheticWorkload.simulation(nodes: 64, tokensPerNode: 2, seed: 5, threads: 1)
        while let t = stepped.nextTime, t < .seconds(1) { stepped.step() }
        stepped.run(until: .seconds(1))
        #expect(stepped.state.fingerprint == bulk.state.fingerprint)
    }

    @Test(arguments: [1, 2])
    func checkpointRestoreReplaysTheSameRun(threads: Int) {
        let full = run(seed: 9, threads: threads)
        let sim = SyntheticWorkload.simulation(nodes: 64, tokensPerNode: 2, seed: 9, threads: threads)
        sim.state.scheduleControl(.pause(0..<8), at: SimTime(nanoseconds: 1_500_000_000))
        sim.state.scheduleControl(.resume(0..<8), at: SimTime(nanoseconds: 2_500_000_000))
        var checkpoints: [SimState<SyntheticWorkload>] = []
        for round in 1...5 {
            sim.run(until: .seconds(Int64(round)))
            checkpoints.append(sim.state)
        }
        #expect(sim.state.fingerprint == full.state.fingerprint)
        // Step back to round 2 (before both injections applied) and run forward again.
        sim.state = checkpoints[1]
        #expect(sim.now == .seconds(2))
        #expect(sim.state.fingerprint != full.state.fingerprint)
        sim.run(until: .seconds(5))
        #expect(sim.state.fingerprint == full.state.fingerprint)
        #expect(Array(sim.state.log.entries) == Array(full.state.log.entries))
    }
}

@Suite struct OrderingTests {
    /// Records the order in which a node sees messages.
    struct Recorder: SimModel {
        typealias Node = [String]
        typealias Message = String
        typealias Control = String
        var lookahead: SimDuration { .milliseconds(5) }
        func handle(_ message: String, node: inout [String], context: inout NodeContext<String>) {
            node.append("\(context.now.nanoseconds):\(message)")
            if message == "spawn" {
                context.scheduleSelf("self-0", after: .zero)
                context.send("from-1", to: 0, at: context.now + .milliseconds(5))
            }
        }
        func digest(_ message: String) -> UInt64 { stableHash(message) }
        static func apply(_ control: String, to world: inout SimState<Recorder>) { world.nodes[0].append("control:\(control)") }
    }

    @Test func eventsAtTheSameTimeOrderByOriginThenSequence() {
        let sim = Simulation(model: Recorder(), nodes: [[], []], seed: 1)
        let t = SimTime(nanoseconds: 1_000)
        sim.state.schedule("b", to: 0, at: t)
        sim.state.schedule("a", to: 0, at: t)        // same origin (environment), later sequence
        sim.state.schedule("spawn", to: 1, at: .zero)
        sim.state.scheduleControl("x", at: t)       // controls at t apply before events at t
        sim.run(until: .never)
        #expect(sim.state.nodes[0] == ["control:x", "1000:b", "1000:a", "5000000:from-1"])
        #expect(sim.state.nodes[1] == ["0:spawn", "0:self-0"])
    }

    @Test func stopsAtTheRequestedTimeAndResumes() {
        let sim = Simulation(model: Recorder(), nodes: [[]], seed: 1)
        sim.state.schedule("early", to: 0, at: .seconds(1))
        sim.state.schedule("late", to: 0, at: .seconds(3))
        #expect(sim.run(until: .seconds(2)) == .reachedTime)
        #expect(sim.now == .seconds(2))
        #expect(sim.state.nodes[0] == ["1000000000:early"])
        #expect(sim.run(until: .never) == .idle)
        #expect(sim.state.nodes[0].count == 2)
    }

    @Test func pauseStopsARun() {
        let sim = SyntheticWorkload.simulation(nodes: 16, seed: 1, threads: 2)
        #expect(sim.run(until: .never, shouldStop: { _ in true }) == .paused)
        #expect(sim.state.pendingEventCount > 0)
    }
}

@Suite struct RandomTests {
    @Test func streamsAreReproducibleAndIndependent() {
        var a = SimRandom(seed: 42, stream: 3), b = SimRandom(seed: 42, stream: 3), c = SimRandom(seed: 42, stream: 4)
        let xs = (0..<8).map { _ in a.next() }
        #expect(xs == (0..<8).map { _ in b.next() })
        #expect(xs != (0..<8).map { _ in c.next() })
    }

    @Test func unitIsUniform() {
        var r = SimRandom(seed: 1)
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 { buckets[Int(r.unit() * 10)] += 1 }
        // Each decile within 5 % of 10,000 (a 5-sigma band is about ±1.5 %).
        #expect(buckets.allSatisfy { abs($0 - 10_000) < 500 })
    }

    @Test func exponentialHasTheRequestedMean() {
        var r = SimRandom(seed: 2)
        let n = 200_000
        var total = 0.0
        for _ in 0..<n {
            let d = r.exponential(mean: SimDuration.seconds(10))
            total += d.seconds
        }
        #expect(abs(total / Double(n) - 10) < 0.1)
    }

    /// A mean from careless input (about 146 years) must not trap: a draw past Int64 nanoseconds is clamped.
    @Test func anAbsurdExponentialMeanIsClampedNotATrap() {
        var r = SimRandom(seed: 3)
        let mean = SimDuration.nanoseconds(Int64.max / 2)
        var clamped = 0
        for _ in 0..<100 {
            let d = r.exponential(mean: mean)
            #expect(d.nanoseconds >= 0)
            if d.nanoseconds == 9_000_000_000_000_000_000 { clamped += 1 }
        }
        // P(draw > 9e18) = e^(-9e18 / 4.6e18) ≈ 0.14: some of 100 draws hit the clamp.
        #expect(clamped > 0)
    }
}

@Suite struct TimeTests {
    @Test func transmissionTimeIsExact() {
        // 16 KiB on 1 Mbit/s: 131072 bits / 1e6 = 131.072 ms exactly.
        #expect(SimDuration.transmission(bytes: 16_384, bitsPerSecond: 1_000_000) == .microseconds(131_072))
        // Rounded up: 1 byte on 3 bit/s = 8/3 s.
        #expect(SimDuration.transmission(bytes: 1, bitsPerSecond: 3).nanoseconds == 2_666_666_667)
    }

    /// bytes × 8 × 10^9 passes Int64 above about 1.15 GB; it used to wrap silently into garbage or negative spans.
    @Test func transmissionOfLargeMessagesIsExactOrSaturates() {
        // 4 GiB on 1 Gbit/s: 34359738368 bits = 34.359738368 s exactly.
        #expect(SimDuration.transmission(bytes: 4 << 30, bitsPerSecond: 1_000_000_000).nanoseconds == 34_359_738_368)
        // 1 TiB on 1 bit/s is 8.8e21 ns, past Int64: the longest span, not a wrapped one.
        #expect(SimDuration.transmission(bytes: 1 << 40, bitsPerSecond: 1).nanoseconds == .max)
        #expect(SimDuration.transmission(bytes: .max, bitsPerSecond: .max).nanoseconds == 8_000_000_000)
        #expect(SimDuration.transmission(bytes: 0, bitsPerSecond: 1) == .zero)
    }

    @Test func durationsPrintCompactly() {
        #expect(SimDuration.microseconds(131_072).description == "131.072ms")
        #expect(SimDuration.seconds(750).description == "12m30s")
        #expect(SimDuration.seconds(3600).description == "1h")
        #expect(SimDuration.zero.description == "0s")
    }
}
