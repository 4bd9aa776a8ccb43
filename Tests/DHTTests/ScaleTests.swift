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

    @Test func hopsGrowLikeLogNAndLookupsSucceed() {
        let small = Self.getPeersMetrics(nodes: 1_000, seed: 1)
        let large = Self.getPeersMetrics(nodes: 10_000, seed: 1)
        print("N=1000:  hops \(small.hops)  messages \(small.messages)  latency ms \(small.latencyMs)  success \(small.successRate)")
        print("N=10000: hops \(large.hops)  messages \(large.messages)  latency ms \(large.latencyMs)  success \(large.successRate)")
        // Lookups for existing keys succeed on a static network.
        #expect(small.lookups == 300 && large.lookups == 300)
        #expect(small.successRate >= 0.99)
        #expect(large.successRate >= 0.99)
        // Ten times the nodes: more hops, but far fewer than ten times (or √10 times) as many. For hops
        // ∝ log N the ratio is log(10⁴)/log(10³) = 4/3; allow some slack either way, excluding √N (3.16).
        let ratio = large.hops.mean / small.hops.mean
        #expect(ratio > 1.05, "hops must grow with N: \(ratio)")
        #expect(ratio < 4.0 / 3.0 * 1.4, "hops must grow like log N, not faster: \(ratio)")
        // Messages per lookup grow the same way.
        let messages = large.messages.mean / small.messages.mean
        #expect(messages > 1 && messages < 4.0 / 3.0 * 1.4)
        // Storage spreads over many nodes; routing tables are deeper in the larger network.
        #expect(large.buckets.mean > small.buckets.mean)
        #expect(large.routingFill > 0.8)
    }
}
