public import Network
public import SimKernel

/// Ready-made static DHT networks and lookup workloads, for benchmarks, fidelity tests and labs.
public enum DHTScale {
    /// The core latency between three regions ("eu", "us", "asia"): 10 ms inside a region, 40–60 ms between.
    public static let regions = ["eu", "us", "asia"]
    /// One-way core latencies between those regions, `core[a][b]`, indexed like `regions`.
    public static let core: [[SimDuration]] = [
        [.milliseconds(10), .milliseconds(40), .milliseconds(60)],
        [.milliseconds(40), .milliseconds(10), .milliseconds(50)],
        [.milliseconds(60), .milliseconds(50), .milliseconds(10)],
    ]

    /// `nodes` public hosts (no NAT) spread over the three regions, each running a DHT node with
    /// `config`, warm-started (`DHTWarmStart`) and all joined at time zero.
    public static func network(nodes: Int, seed: UInt64, config: DHTNode.Config = DHTNode.Config(), threads: Int = 1,
                               logCapacity: Int = 10_000) -> Simulation<Internet<DHTNode>> {
        var b = InternetBuilder<DHTNode>(regions: regions, core: core)
        let app = DHTNode(config: config)
        for i in 0..<nodes {
            let link = LinkSpec(up: 10_000_000, down: 50_000_000, latency: .milliseconds(5 + Int64(i % 4) * 5))
            b.addHost(name: "d\(i)", group: "dht", region: i % 3, link: link, nat: nil, app: app)
        }
        b.warmStartDHT(seed: seed)
        return b.build(seed: seed, threads: threads, logNATDrops: false, logCapacity: logCapacity)
    }

    /// The info-hash of the `i`-th workload key.
    public static func key(_ i: Int, seed: UInt64) -> DHTID {
        var rng = SimRandom(seed: seed ^ 0x4B45_5953, stream: UInt64(i))
        return DHTID.random(using: &rng)
    }

    /// Schedules `announces` announces (key i from a random node, one every `spacing` from `start`), then
    /// `lookups` get_peers (key j mod announces, from random nodes, one every `spacing`) starting `gap`
    /// after the last announce. Returns a time by which every lookup has long finished.
    @discardableResult
    public static func scheduleWorkload(on sim: Simulation<Internet<DHTNode>>, announces: Int, lookups: Int, seed: UInt64,
                                        start: SimTime = .seconds(1), spacing: SimDuration = .milliseconds(1),
                                        gap: SimDuration = .seconds(10)) -> SimTime {
        let n = UInt64(sim.state.nodes.count)
        var rng = SimRandom(seed: seed ^ 0x574F_524B, stream: 0)
        var t = start
        for i in 0..<announces {
            sim.state.scheduleControl(.command(Int(rng.next() % n), .announce(key(i, seed: seed), port: 6881)), at: t)
            t = t + spacing
        }
        t = t + gap
        for j in 0..<lookups {
            sim.state.scheduleControl(.command(Int(rng.next() % n), .getPeers(key(j % max(1, announces), seed: seed))), at: t)
            t = t + spacing
        }
        return t + .seconds(30)
    }
}
