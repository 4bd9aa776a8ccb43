import Testing
import BitTorrent
import Network
import SimKernel
@testable import DHT

/// A stand-in for a BitTorrent peer that embeds a DHT node and keeps its own timers and messages.
struct PeerWithDHT: HostApplication {
    enum Payload: Sendable { case dht(KRPCMessage), hello }
    enum Command: Sendable { case find(DHTID), share(DHTID) }
    var dht: DHTNode
    var found: [DHTID: [Endpoint]] = [:]
    var announced: [DHTID: Int] = [:]
    var ownTimers = 0

    static func unwrap(_ p: Payload) -> KRPCMessage? { if case .dht(let m) = p { m } else { nil } }

    mutating func handle(_ event: AppEvent<Payload>, io: inout HostIO<Payload>) {
        if dht.handle(embedded: event, io: &io, wrap: Payload.dht, unwrap: Self.unwrap) {
            drain()
            return
        }
        switch event {
        case .start: io.setTimer(7, after: .seconds(1))
        case .timer(let t):
            #expect(t == 7)
            ownTimers += 1
        default: break
        }
    }

    mutating func drain() {
        for r in dht.takeResults() {
            switch r.kind {
            case .getPeers: found[r.target] = r.peers
            case .announce: announced[r.target] = r.storedAt
            case .findNode: break
            }
        }
    }

    mutating func command(_ command: Command, io: inout HostIO<Payload>) {
        switch command {
        case .find(let h): dht.getPeers(h, io: &io, wrap: Payload.dht)
        case .share(let h): dht.announce(h, port: 51413, io: &io, wrap: Payload.dht)
        }
        drain()
    }

    mutating func crash() { dht.crash(); found = [:] }

    static func digest(_ payload: Payload) -> UInt64 {
        switch payload {
        case .dht(let m): return m.digest
        case .hello: return 1
        }
    }
}

@Suite struct EmbeddingTests {
    @Test func aPeerEmbeddingADHTNodeFindsOtherPeers() {
        var b = InternetBuilder<PeerWithDHT>(regions: DHTScale.regions, core: DHTScale.core)
        for i in 0..<50 {
            b.addHost(name: "p\(i)", group: "peers", region: i % 3, link: link(i), nat: nil, app: PeerWithDHT(dht: DHTNode()))
        }
        var hosts = b.hosts
        DHTWarmStart.apply(to: &hosts, topology: b.topology, seed: 5) { app, body in body(&app.dht) }
        b.replaceHosts(hosts)
        let sim = b.build(seed: 5)
        let h = DHTID(SHA1Hash.of(Array("a torrent".utf8)))
        sim.state.scheduleControl(.command(3, .share(h)), at: .seconds(2))
        sim.state.scheduleControl(.command(40, .find(h)), at: .seconds(10))
        sim.run(until: .seconds(20))
        #expect(sim.state.nodes[3].app.announced[h] == 8)
        #expect(sim.state.nodes[40].app.found[h] == [b.publicEndpoint(of: 3, port: 51413)])
        // The embedder's own timer reached it; the DHT's timers did not.
        #expect(sim.state.nodes.allSatisfy { $0.app.ownTimers == 1 })
    }
}
