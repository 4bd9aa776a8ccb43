public import Network
public import SimKernel

/// A BitTorrent tracker (UDP-style announces, BEP 3/BEP 15 semantics): keeps who is in each swarm,
/// answers an announce with a random subset of the other peers, counts seeders, leechers and completions.
/// It is an ordinary host: crash it and the peer table is gone.
public struct BTTracker: HostApplication, Sendable {
    /// Announces, scrapes and their replies travel as `BTMessage` datagrams.
    public typealias Payload = BTMessage

    /// Where the tracker listens and what it tells peers.
    public struct Config: Sendable, Hashable {
        /// The port announces and scrapes are sent to.
        public var port: UInt16 = 6969
        /// Re-announce interval handed to peers.
        public var interval: SimDuration = .seconds(300)
        /// Peers listed when the announce does not say (`numwant`), at most.
        public var defaultNumwant = 50
        /// A peer not heard from for this long is dropped from the table.
        public var peerTimeout: SimDuration = .seconds(900)
        /// A configuration with the default numwant (50) and peer timeout (900 s).
        public init(port: UInt16 = 6969, interval: SimDuration = .seconds(300)) { self.port = port; self.interval = interval }
    }

    struct Entry: Sendable, Hashable {
        var peer: UInt32
        var endpoint: Endpoint
        var left: Int64
        var lastSeen: SimTime
    }

    /// The tracker's settings.
    public var config: Config
    /// Swarms by info-hash; each list sorted by peer id (deterministic, and cheap to sample).
    var swarms: [SHA1Hash: [Entry]] = [:]
    var completed: [SHA1Hash: Int] = [:]
    /// Announces answered since the start (survives nothing: reset on crash like the table).
    public private(set) var announces = 0

    /// A tracker with an empty peer table.
    public init(config: Config = Config()) { self.config = config }

    /// Answers an announce (updating the swarm, replying with a random sample of the other peers) or a scrape.
    public mutating func handle(_ event: AppEvent<BTMessage>, io: inout HostIO<BTMessage>) {
        switch event {
        case .start:
            io.listen(on: config.port)
        case .datagram(let from, _, let message, _):
            switch message {
            case .announce(let hash, let peer, let port, let event, let left, let numwant):
                announces += 1
                var list = swarms[hash] ?? []
                // Forget peers not heard from for a while.
                list.removeAll { io.now - $0.lastSeen > config.peerTimeout }
                // The peer's address as seen from here (its NAT's public address), with the port it says it listens on.
                let endpoint = Endpoint(from.address, port)
                let i = list.firstIndex { $0.peer >= peer } ?? list.count
                let known = i < list.count && list[i].peer == peer
                if event == .stopped {
                    if known { list.remove(at: i) }
                } else if known {
                    list[i].endpoint = endpoint; list[i].left = left; list[i].lastSeen = io.now
                } else {
                    list.insert(Entry(peer: peer, endpoint: endpoint, left: left, lastSeen: io.now), at: i)
                }
                if event == .completed { completed[hash, default: 0] += 1 }
                swarms[hash] = list
                let others = list.filter { $0.peer != peer }
                let want = numwant > 0 ? numwant : config.defaultNumwant
                let chosen = Self.sample(others, count: want, random: &io.random).map(\.endpoint)
                let seeders = list.filter { $0.left == 0 }.count
                let reply = BTMessage.announceReply(interval: config.interval, peers: event == .stopped ? [] : chosen,
                                                    seeders: seeders, leechers: list.count - seeders)
                io.sendDatagram(reply, size: reply.wireSize, from: config.port, to: from)
            case .scrape(let hash):
                let list = swarms[hash] ?? []
                let seeders = list.filter { $0.left == 0 }.count
                let reply = BTMessage.scrapeReply(seeders: seeders, leechers: list.count - seeders, completed: completed[hash] ?? 0)
                io.sendDatagram(reply, size: reply.wireSize, from: config.port, to: from)
            default:
                break
            }
        default:
            break
        }
    }

    /// A uniformly random subset of `count` entries (all of them if fewer), in random order.
    static func sample(_ entries: [Entry], count: Int, random: inout SimRandom) -> [Entry] {
        var pool = entries
        let n = min(count, pool.count)
        for i in 0..<n {
            let j = i + Int(random.next() % UInt64(pool.count - i))
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(n))
    }

    /// Loses every swarm, the completion counts and `announces`.
    public mutating func crash() {
        swarms = [:]
        completed = [:]
        announces = 0
    }

    /// A stable digest of a payload for the run fingerprint.
    public static func digest(_ payload: BTMessage) -> UInt64 { payload.digest }

    /// Peers the tracker knows in the swarm `infoHash` (seeders, leechers).
    public func counts(_ infoHash: SHA1Hash) -> (seeders: Int, leechers: Int) {
        let list = swarms[infoHash] ?? []
        let s = list.filter { $0.left == 0 }.count
        return (s, list.count - s)
    }

    /// Peers known across all swarms.
    public var knownPeers: Int { swarms.values.reduce(0) { $0 + $1.count } }
}
