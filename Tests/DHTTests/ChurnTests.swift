import Testing
import SimKernel
@testable import DHT

@Suite struct ChurnModelTests {
    @Test func scheduleIsDeterministicAndAlternates() {
        let m = ChurnModel(session: .pareto(mean: .seconds(600), shape: 2), downtime: .exponential(mean: .seconds(300)))
        let a = m.events(for: Array(0..<50), from: .zero, until: .seconds(7200), seed: 3)
        #expect(a == m.events(for: Array(0..<50), from: .zero, until: .seconds(7200), seed: 3))
        #expect(a != m.events(for: Array(0..<50), from: .zero, until: .seconds(7200), seed: 4))
        // A host's schedule does not depend on the others.
        #expect(a.filter { $0.host == 7 } == m.events(for: [7], from: .zero, until: .seconds(7200), seed: 3))
        for h in 0..<50 {
            let e = a.filter { $0.host == h }
            for (i, x) in e.enumerated() { #expect(x.up == (i % 2 == 1)) }
        }
    }

    @Test func distributionsHaveTheirMeans() {
        var rng = SimRandom(seed: 1)
        for d in [ChurnModel.Distribution.exponential(mean: .seconds(100)), .pareto(mean: .seconds(100), shape: 3)] {
            let n = 20_000
            let mean = (0..<n).reduce(0.0) { acc, _ in acc + d.sample(using: &rng).seconds } / Double(n)
            #expect(abs(mean - 100) < 5, "\(d): \(mean)")
        }
    }
}

/// Under churn, re-announcing to the k closest nodes keeps a peer findable; announcing once does not.
@Suite struct ReplicationUnderChurnTests {
    /// Fraction of successful get_peers per probe time, for 200 nodes of which 190 churn (sessions and
    /// downtimes exponential, mean 10 min); peers are stored for 3 h so that only churn can lose them.
    static func probes(republish: SimDuration?) -> [Double] {
        var config = DHTNode.Config(republishInterval: republish, peerTTL: .seconds(3 * 3600))
        config.logLookups = false
        let n = 200
        var b = dhtBuilder()
        // The stable hosts get ids in the half of the space away from the key, so that only churning
        // nodes are among the key's k closest.
        var rng = SimRandom(seed: 77, stream: 1)
        for i in 0..<n {
            var c = config
            if i < 10 { c.id = key(7).randomID(sharingPrefix: 0, using: &rng) }
            b.addHost(name: "n\(i)", group: "dht", region: i % 3, link: link(i), nat: nil, app: DHTNode(config: c))
        }
        b.bootstrapDHT(through: [0, 1])
        b.warmStartDHT(seed: 77)
        let sim = b.build(seed: 77)
        // Hosts 0–1 bootstrap, 2 announces, 3–9 look up; the rest churn.
        let churn = ChurnModel(session: .exponential(mean: .seconds(600)), downtime: .exponential(mean: .seconds(600)))
        churn.schedule(on: &sim.state, hosts: Array(10..<n), from: .seconds(30), until: .seconds(4000), seed: 77)
        sim.command(.announce(key(7), port: 6881), on: 2, at: .seconds(10))
        let times: [Int64] = [60, 1200, 2400, 3600]
        for t in times {
            for g in 3..<10 { sim.command(.getPeers(key(7)), on: g, at: .seconds(t)) }
        }
        sim.run(until: .seconds(3700))
        return times.map { t in
            let window = SimTime.seconds(t)..<SimTime.seconds(t + 100)
            return DHTMetrics.aggregate((3..<10).map { sim.node($0) }, window: window).successRate
        }
    }

    @Test func republishingKeepsPeersFindableAndAnnouncingOnceLosesThem() {
        let on = Self.probes(republish: .seconds(300))
        let off = Self.probes(republish: nil)
        print("found with republishing: \(on); announced once: \(off)")
        // Right after the announcement both find it.
        #expect(on[0] == 1 && off[0] == 1)
        // With republishing it stays findable all along.
        #expect(on.allSatisfy { $0 >= 6.0 / 7.0 })
        // Announced once, the original k holders leave (losing their storage) and it disappears.
        #expect(off[3] == 0)
        #expect(off.last ?? 1 < on.last ?? 0)
    }
}
