import BitTorrent
import Network
import SimKernel
@testable import DHT

typealias DHTSim = Simulation<Internet<DHTNode>>

/// Three regions (10 ms inside, 30–60 ms between), hosts spread over them with 5–20 ms access links.
func dhtBuilder() -> InternetBuilder<DHTNode> {
    let ms = SimDuration.milliseconds
    return InternetBuilder<DHTNode>(regions: ["eu", "us", "asia"],
                                    core: [[ms(10), ms(40), ms(60)], [ms(40), ms(10), ms(50)], [ms(60), ms(50), ms(10)]])
}

func link(_ i: Int) -> LinkSpec {
    LinkSpec(up: 10_000_000, down: 50_000_000, latency: .milliseconds(5 + Int64(i % 4) * 5))
}

/// A network of `n` DHT nodes: warm-started, or bootstrapping through host 0 with joins spread over `joinSpread`.
func makeNetwork(_ n: Int, seed: UInt64, config: DHTNode.Config = DHTNode.Config(), warm: Bool,
                 joinSpread: SimDuration = .seconds(60), threads: Int = 1) -> (DHTSim, InternetBuilder<DHTNode>) {
    var b = dhtBuilder()
    for i in 0..<n {
        let joinAt: SimTime = warm || i == 0 ? .zero : .zero + SimDuration(nanoseconds: joinSpread.nanoseconds * Int64(i) / Int64(n))
        b.addHost(name: "n\(i)", group: "dht", region: i % 3, link: link(i), nat: nil, app: DHTNode(config: config), joinAt: joinAt)
    }
    if !warm { b.bootstrapDHT(through: [0]) }
    if warm { b.warmStartDHT(seed: seed) }
    return (b.build(seed: seed, threads: threads, logCapacity: 100_000), b)
}

extension DHTSim {
    func command(_ c: DHTNode.Command, on host: Int, at t: SimTime) { state.scheduleControl(.command(host, c), at: t) }
    func node(_ h: Int) -> DHTNode { state.nodes[h].app }
    var dhtNodes: [DHTNode] { state.nodes.map(\.app) }
}

/// A deterministic key for tests.
func key(_ i: Int) -> DHTID { DHTID(SHA1Hash.of(Array("key-\(i)".utf8))) }
