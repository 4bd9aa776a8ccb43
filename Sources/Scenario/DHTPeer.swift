public import BitTorrent
public import DHT
public import Network
public import SimKernel

/// A BitTorrent peer that also runs a Kademlia DHT node on its UDP port, as mainline clients do (BEP 5),
/// and finds other peers through it: with a tracker as well, or alone (trackerless and magnet joins).
///
/// - `firstLookupAfter` after starting (time for the bootstrap `find_node`), the peer announces itself for
///   the torrent's info-hash: a `get_peers` lookup whose peers go to the peer's candidates, then
///   `announce_peer` to the k closest nodes. The DHT node republishes it every `republishInterval` of its
///   configuration (nil: stored once, no replication).
/// - Every `interval` it looks the info-hash up again (`get_peers`) for fresh peers; a leecher with no
///   connection at all (stranded) retries every `retryInterval` (a seed has no hurry).
/// - A crash loses both the peer's and the node's volatile state; a restart bootstraps again.
public struct DHTPeer: Sendable {
    public var peer: BTPeer
    public var dht: DHTNode
    /// How often to look for peers through the DHT while connected to some.
    public var interval: SimDuration
    /// How soon a leecher retries while stranded (no connection).
    public var retryInterval: SimDuration
    /// Delay from start to the first lookup, so the bootstrap `find_node` can fill the routing table.
    public var firstLookupAfter: SimDuration
    /// Whether the first lookup (the announce) has been made since the last start.
    var announced = false

    /// Timer token for the peer's lookups (top byte 0xB7: clear of BTPeer's small tokens and the DHT's 0xD7).
    static let lookupTimer: UInt64 = 0xB7 << 56 | 1

    public init(peer: BTPeer, dht: DHTNode, interval: SimDuration = .seconds(300), retryInterval: SimDuration = .seconds(30),
                firstLookupAfter: SimDuration = .seconds(5)) {
        self.peer = peer; self.dht = dht; self.interval = interval; self.retryInterval = retryInterval
        self.firstLookupAfter = firstLookupAfter
    }

    var infoHash: DHTID { DHTID(peer.config.torrent.infoHash) }

    /// Runs an event: DHT datagrams and timers go to the node, the rest to the peer.
    public mutating func handle(_ event: AppEvent<ScenarioApp.Payload>, io: inout HostIO<ScenarioApp.Payload>) {
        if dht.handle(embedded: event, io: &io, wrap: ScenarioApp.Payload.dht, unwrap: Self.krpc) {
            collectResults(&io)
            return
        }
        if case .timer(Self.lookupTimer) = event {
            lookUp(&io)
            return
        }
        guard let inner = event.mapPayload(Self.bt) else { return }
        io.embed(ScenarioApp.Payload.bt) { peer.handle(inner, io: &$0) }
        if case .start = event {
            announced = false
            io.setTimer(Self.lookupTimer, after: firstLookupAfter)
        }
    }

    /// Forwards a peer command; leaving the swarm also stops announcing in the DHT.
    public mutating func command(_ command: BTPeer.Command, io: inout HostIO<ScenarioApp.Payload>) {
        io.embed(ScenarioApp.Payload.bt) { peer.command(command, io: &$0) }
        if !peer.isActive { dht.stopAnnouncing(infoHash) }
    }

    public mutating func crash() {
        peer.crash()
        dht.crash()
        announced = false
    }

    mutating func lookUp(_ io: inout HostIO<ScenarioApp.Payload>) {
        guard peer.isActive, dht.isRunning else { return }
        let hash = infoHash
        if !announced {
            announced = true
            dht.announce(hash, port: peer.config.port, io: &io, wrap: ScenarioApp.Payload.dht)
        } else {
            dht.getPeers(hash, io: &io, wrap: ScenarioApp.Payload.dht)
        }
        io.setTimer(Self.lookupTimer, after: peer.connectionCount == 0 && !peer.isComplete ? retryInterval : interval)
    }

    /// Hands the peers found by finished lookups to the BitTorrent peer.
    mutating func collectResults(_ io: inout HostIO<ScenarioApp.Payload>) {
        guard !dht.results.isEmpty else { return }
        let hash = infoHash
        for r in dht.takeResults() where r.target == hash && (r.kind == .getPeers || r.kind == .announce) {
            let found = r.peers
            io.embed(ScenarioApp.Payload.bt) { peer.addPeers(found, from: .dht, io: &$0) }
        }
    }

    static func krpc(_ p: ScenarioApp.Payload) -> KRPCMessage? { if case .dht(let m) = p { m } else { nil } }
    static func bt(_ p: ScenarioApp.Payload) -> BTMessage? { if case .bt(let m) = p { m } else { nil } }
}
