import Testing
import SimKernel
import Network
@testable import BitTorrent

/// The BitTorrent apps of a test swarm.
enum SwarmApp: HostApplication {
    case tracker(BTTracker)
    case peer(BTPeer)
    case server(FileServer)
    case client(FileClient)
    typealias Payload = BTMessage

    mutating func handle(_ event: AppEvent<BTMessage>, io: inout HostIO<BTMessage>) {
        switch self {
        case .tracker(var a): a.handle(event, io: &io); self = .tracker(a)
        case .peer(var a): a.handle(event, io: &io); self = .peer(a)
        case .server(var a): a.handle(event, io: &io); self = .server(a)
        case .client(var a): a.handle(event, io: &io); self = .client(a)
        }
    }
    mutating func crash() {
        switch self {
        case .tracker(var a): a.crash(); self = .tracker(a)
        case .peer(var a): a.crash(); self = .peer(a)
        case .server(var a): a.crash(); self = .server(a)
        case .client(var a): a.crash(); self = .client(a)
        }
    }
    static func digest(_ payload: BTMessage) -> UInt64 { payload.digest }
    var peer: BTPeer? { if case .peer(let p) = self { p } else { nil } }
    var client: FileClient? { if case .client(let c) = self { c } else { nil } }
}

struct SwarmSetup {
    var leechers = 20
    var fileBytes = 10 * 1_048_576
    var pieceLength = 256 * 1024
    var seedUp: Int64 = 10_000_000
    var peerUp: Int64 = 1_000_000
    var peerDown: Int64 = 10_000_000
    var selection: PieceSelection = .rarestFirst
    var freeRiders = 0
    var optimistic = true
    var seed: UInt64 = 1
    var threads = 1
    var natEvery = 0

    func torrent() -> TorrentInfo {
        TorrentInfo((try? Metainfo.synthetic(name: "f", length: fileBytes, pieceLength: pieceLength))!)
    }

    func build() -> Simulation<Internet<SwarmApp>> {
        let t = torrent()
        var b = InternetBuilder<SwarmApp>(regions: ["net"], core: [[.milliseconds(10)]])
        let link = { (up: Int64, down: Int64) in LinkSpec(up: up, down: down, latency: .milliseconds(5)) }
        let tracker = b.addHost(name: "tracker", group: "tracker", region: 0, link: link(100_000_000, 100_000_000), nat: nil, app: .tracker(BTTracker()))
        let tep = b.publicEndpoint(of: tracker, port: 6969)
        var seedConfig = BTPeer.Config(torrent: t, tracker: tep)
        seedConfig.startAsSeed = true
        b.addHost(name: "seed", group: "seed", region: 0, link: link(seedUp, seedUp), nat: nil, app: .peer(BTPeer(config: seedConfig)))
        for i in 0..<leechers {
            var c = BTPeer.Config(torrent: t, tracker: tep)
            c.selection = selection
            c.freeRider = i < freeRiders
            c.optimisticUnchoke = optimistic
            let nat: NATConfig? = natEvery > 0 && i % natEvery == 0 ? NATConfig(preset: .portRestricted) : nil
            b.addHost(name: "peer-\(i + 1)", group: "peers", region: 0, link: link(peerUp, peerDown), nat: nat, app: .peer(BTPeer(config: c)))
        }
        return b.build(seed: seed, threads: threads, logNATDrops: false)
    }
}

func leechers(_ sim: Simulation<Internet<SwarmApp>>) -> [BTPeer] {
    sim.state.nodes.compactMap(\.app.peer).filter { $0.stats.joinedAt != nil && !$0.config.startAsSeed }
}

@Suite struct SwarmTests {
    @Test func everyoneCompletesAboveTheLowerBound() {
        let setup = SwarmSetup()
        let sim = setup.build()
        withLargeStack { sim.run(until: .seconds(600)) }
        let peers = leechers(sim)
        #expect(peers.count == setup.leechers)
        let allDone = peers.allSatisfy { $0.isComplete }
        #expect(allDone)
        let last = peers.compactMap(\.stats.completedAt).max() ?? .never
        // Kurose & Ross: D_P2P >= max(F/u_s, F/d_min, N·F/(u_s + Σu_i)).
        let F = Double(setup.fileBytes * 8)
        let n = Double(setup.leechers)
        let bound = max(F / Double(setup.seedUp), F / Double(setup.peerDown), n * F / (Double(setup.seedUp) + n * Double(setup.peerUp)))
        #expect(last.seconds >= bound)
        #expect(last.seconds < 2.0 * bound, "distribution took \(last.seconds) s; bound \(bound) s")
    }

    @Test func sameSeedSameRunAcrossThreads() {
        var setup = SwarmSetup()
        setup.leechers = 10
        let a = setup.build(); withLargeStack { a.run(until: .seconds(200)) }
        setup.threads = 2
        let b = setup.build(); withLargeStack { b.run(until: .seconds(200)) }
        #expect(a.state.fingerprint == b.state.fingerprint)
    }

    @Test func rechokesAreRecordedWithReasons() {
        let sim = SwarmSetup().build()
        withLargeStack { sim.run(until: .seconds(60)) }
        let p = leechers(sim)[0]
        #expect(p.history.count >= 5)
        let last = p.history.last!
        #expect(last.unchoked.count <= 4)
        #expect(last.unchoked.filter { if case .optimistic = $0.reason { true } else { false } }.count <= 1)
        let rated = last.unchoked.compactMap { e -> Double? in if case .rate(_, let r) = e.reason { r } else { nil } }
        #expect(rated == rated.sorted(by: >), "rate-ranked unchokes are in decreasing rate order")
    }
}
