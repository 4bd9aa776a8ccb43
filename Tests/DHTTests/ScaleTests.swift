import Testing
import Foundation
import SimKernel
@testable import DHT

/// Static warm-started networks: lookups succeed, and their hop count grows like log N.
@Suite(.serialized) struct ScaleTests {
    /// Announces 100 keys from random nodes, then looks each up three times from other random nodes;
    /// returns the metrics of the get_peers lookups.
    static func getPeersMetrics(nodes n: Int, seed: UInt64) -> DHTMetrics {
        let (sim, _) = makeNetwork(n, seed: seed, warm: true)
        var rng = SimRandom(seed: seed, stream: 1_000_003)
        for i in 0..<100 {
            sim.command(.announce(key(i), port: 6881), on: Int(rng.next() % UInt64(n)), at: .seconds(1) + .milliseconds(Int64(10 * i)))
        }
        for j in 0..<300 {
            sim.command(.getPeers(key(j % 100)), on: Int(rng.next() % UInt64(n)), at: .seconds(20) + .milliseconds(Int64(10 * j)))
        }
        sim.run(until: .seconds(60))
        let all = DHTMetrics.aggregate(sim.dhtNodes)
        #expect(all.lookups == 400)
        return DHTMetrics.aggregate(sim.dhtNodes, window: SimTime.seconds(20)..<SimTime.never)
    }

    /// N = 1,000, 10,000 and 100,000: lookups for existing keys succeed on a static network, and hops grow
    /// by a roughly constant step per tenfold increase (log N), not by a constant factor (a power of N).
    @Test func hopsGrowLikeLogNAndLookupsSucceed() {
        let m = [1_000, 10_000, 100_000].map { Self.getPeersMetrics(nodes: $0, seed: 2) }
        let h = m.map(\.hops.mean)
        for (n, x) in zip([1_000, 10_000, 100_000], m) {
            print("N=\(n): hops \(x.hops)  messages \(x.messages)  latency ms \(x.latencyMs)  success \(x.successRate)")
        }
        #expect(m.allSatisfy { $0.lookups == 300 && $0.successRate >= 0.99 })
        // Messages per lookup grow the same way; routing tables get deeper and stay full.
        #expect(m[0].messages.mean < m[1].messages.mean && m[1].messages.mean < m[2].messages.mean)
        #expect(m[2].messages.mean / m[0].messages.mean < 2)
        #expect(m[0].buckets.mean < m[1].buckets.mean && m[1].buckets.mean < m[2].buckets.mean)
        #expect(m.allSatisfy { $0.routingFill > 0.8 })
        #expect(h[0] < h[1] && h[1] < h[2], "hops must grow with N: \(h)")
        let step1 = h[1] - h[0], step2 = h[2] - h[1]
        // log N: equal steps per decade (allow 2× either way for the discrete hop counts); a power law
        // N^a would make each step 10^a times the previous one, and the ratio h[2]/h[0] would exceed 10^(2a).
        #expect(step2 < 2 * step1 + 0.2 && step2 > step1 / 2 - 0.2, "steps per decade \(step1), \(step2)")
        #expect(h[2] / h[0] < 2, "100× the nodes must not even double the hops: \(h)")
    }
}
