public import Network
public import SimKernel

/// Identifies a lookup started on one node (unique per node and run).
public struct DHTLookupID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A running number of the lookups started on the node.
    public var raw: UInt32
    /// The id with this number.
    public init(raw: UInt32) { self.raw = raw }
    public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
    public var description: String { "L\(raw)" }
}

/// What a lookup looked for.
public enum DHTLookupKind: UInt8, Sendable, Hashable, Codable, CustomStringConvertible {
    /// `find_node`: the k closest nodes to a target.
    case findNode
    /// `get_peers`: peers stored for an info-hash.
    case getPeers
    /// `get_peers`, then `announce_peer` to the k closest nodes that answered.
    case announce
    public var description: String {
        switch self {
        case .findNode: return "find_node"
        case .getPeers: return "get_peers"
        case .announce: return "announce"
        }
    }
}

/// The outcome of a lookup started with `getPeers`, `announce` or `findNode` (or the matching command).
public struct DHTLookupResult: Sendable, Hashable {
    /// Which lookup this is (the id returned when it was started).
    public var lookup: DHTLookupID
    /// What it looked for.
    public var kind: DHTLookupKind
    /// The target id or info-hash.
    public var target: DHTID
    /// Peers found (`get_peers` "values"; an announce reports them too), in the order they arrived, distinct.
    public var peers: [Endpoint]
    /// The closest nodes that answered, closest first (at most k).
    public var closest: [CompactNode]
    /// For an announce: nodes that accepted the `announce_peer`.
    public var storedAt: Int
    /// For an announce: nodes that rejected it (KRPC error, e.g. 203 bad token).
    public var rejected: Int
    /// Hop count of the closest node that answered (nodes from the own routing table are hop 1).
    public var hops: Int
    /// Queries this lookup sent (including `announce_peer`s).
    public var messages: Int
    /// When the lookup started.
    public var startedAt: SimTime
    /// When it finished.
    public var finishedAt: SimTime
    /// get_peers: found at least one peer; announce: stored on at least one node; find_node: some node answered.
    public var succeeded: Bool
    /// How long it took.
    public var duration: SimDuration { finishedAt - startedAt }
}

/// A Kademlia DHT node with BEP 5 semantics, as a host application on UDP port 6881 (configurable).
///
/// ## Putting nodes on hosts
/// Standalone: `InternetBuilder<DHTNode>`, `addHost(…, app: DHTNode(config:))` for each host, then either
/// `builder.bootstrapDHT(through: [0])` (nodes join through well-known nodes, for small networks) or
/// `builder.warmStartDHT(seed:)` (every routing table pre-filled, for large ones; `DHTScale.network`
/// does all of this). Drive nodes with `NetControl.command(host, .getPeers(h))` / `.announce(h, port:)`;
/// read `results`, `metrics`, or `DHTMetrics.aggregate` over all nodes.
///
/// ## Embedding (e.g. in a BitTorrent peer)
/// Keep a `DHTNode` in the peer's state and a `case dht(KRPCMessage)` in its payload (see Embedding.swift):
/// - in `handle`, first call `dht.handle(embedded: event, io: &io, wrap: Payload.dht, unwrap: …)`; it runs
///   `.start`, DHT datagrams and DHT timers (tokens with `0xD7` in the top byte — keep the peer's own
///   timer tokens clear of it) and returns true when the event was the DHT's alone;
/// - start lookups with `dht.getPeers(h, io: &io, wrap: Payload.dht)` or `dht.announce(h, port: p, io: &io,
///   wrap: Payload.dht)`; each returns a `DHTLookupID`;
/// - results come back later, inside DHT events: after each call into the node, drain `dht.takeResults()`
///   (`DHTLookupResult`: the lookup id, the peers found, for an announce how many nodes stored it);
/// - forward `crash()`.
///
/// ## Behaviour
/// Answers `ping`, `find_node`, `get_peers` (with a token: see `TokenIssuer`) and `announce_peer`
/// (stored with expiry `peerTTL`; a bad token gets KRPC error 203). Lookups are iterative with `alpha`
/// queries in flight, a `queryTimeout` per query, and end when the k closest nodes seen have answered.
/// Announcements are re-announced every `republishInterval` (nil: once only), which keeps a peer on the
/// k nodes currently closest to the key while membership churns; stored peers expire otherwise.
/// BEP 5 stores the *sender's* address for `announce_peer`, so storing nodes cannot republish on a
/// peer's behalf: replication is the announcer's job, as in the mainline DHT.
/// Buckets not changed for `refreshInterval` are refreshed (a `find_node` on a random id in their range,
/// at most one per maintenance tick). A node that queries us and would fit in the table is pinged and
/// added when it answers (BEP 5: only nodes known to answer go in the table).
public struct DHTNode: HostApplication {
    /// KRPC messages, one per datagram.
    public typealias Payload = KRPCMessage

    /// Live commands (through `NetControl.command`).
    public enum Command: Sendable, Hashable, CustomStringConvertible {
        /// Start a `get_peers` lookup for an info-hash.
        case getPeers(DHTID)
        /// Announce with an explicit port, or nil for `implied_port` (the UDP source port).
        case announce(DHTID, port: UInt16?)
        /// Start a `find_node` lookup for a target id.
        case findNode(DHTID)
        /// Stop re-announcing an info-hash (stored copies expire after `peerTTL`).
        case stopAnnouncing(DHTID)
        /// Send a `ping`; a node that answers may enter the routing table.
        case ping(Endpoint)
        public var description: String {
            switch self {
            case .getPeers(let h): return "get_peers \(h.short)"
            case .announce(let h, let p): return "announce \(h.short) port \(p.map(String.init) ?? "implied")"
            case .findNode(let t): return "find_node \(t.short)"
            case .stopAnnouncing(let h): return "stop-announcing \(h.short)"
            case .ping(let e): return "ping \(e)"
            }
        }
    }

    /// Parameters (BEP 5 defaults where BEP 5 gives one).
    public struct Config: Sendable, Hashable {
        /// UDP port the node listens and sends on.
        public var port: UInt16 = 6881
        /// The node id; nil: drawn from the host's random stream at first start (then kept across restarts).
        public var id: DHTID?
        /// Well-known nodes to bootstrap from when the routing table is empty.
        public var bootstrap: [Endpoint] = []
        /// Bucket size and replication factor.
        public var k: Int = 8
        /// Queries in flight per lookup.
        public var alpha: Int = 3
        /// How long a query waits for its answer.
        public var queryTimeout: SimDuration = .seconds(2)
        /// A node stays good this long after it last answered (BEP 5: 15 min).
        public var goodWindow: SimDuration = .seconds(15 * 60)
        /// Failures in a row that make a node bad.
        public var maxFailures: Int = 2
        /// Buckets unchanged for this long are refreshed (BEP 5: 15 min).
        public var refreshInterval: SimDuration = .seconds(15 * 60)
        /// Period of the maintenance tick (refresh, expiry, re-announce).
        public var maintenanceInterval: SimDuration = .seconds(60)
        /// Announce-token secret rotation (BEP 5: 5 min; tokens accepted up to two periods).
        public var tokenRotation: SimDuration = .seconds(5 * 60)
        /// How long a stored peer lives without being re-announced.
        public var peerTTL: SimDuration = .seconds(30 * 60)
        /// Re-announce own announcements this often; nil announces once (no replication).
        public var republishInterval: SimDuration? = .seconds(15 * 60)
        /// Most peers stored per info-hash; further ones are not stored, though the announce is acknowledged.
        public var maxPeersPerKey: Int = 100
        /// Most info-hashes stored; announces for further ones are not stored either.
        public var maxKeys: Int = 10_000
        /// Most peers in one `get_peers` "values".
        public var maxValues: Int = 50
        /// Most results kept for the embedder to drain (oldest dropped first).
        public var resultLimit: Int = 64
        /// Most lookup samples kept in `metrics` (oldest dropped first).
        public var sampleLimit: Int = 4096
        /// Ping unknown nodes that query us and add them when they answer.
        public var verifyQueriers: Bool = true
        /// Log `dht.lookup.done` for lookups started by the embedder or commands.
        public var logLookups: Bool = true

        /// The parameters labs vary most; the others keep their defaults.
        public init(port: UInt16 = 6881, id: DHTID? = nil, bootstrap: [Endpoint] = [], k: Int = 8, alpha: Int = 3,
                    queryTimeout: SimDuration = .seconds(2), republishInterval: SimDuration? = .seconds(15 * 60),
                    peerTTL: SimDuration = .seconds(30 * 60)) {
            self.port = port; self.id = id; self.bootstrap = bootstrap; self.k = k; self.alpha = alpha
            self.queryTimeout = queryTimeout; self.republishInterval = republishInterval; self.peerTTL = peerTTL
        }
    }

    /// The parameters. Kept in a shared immutable box: nodes built from one value share it, which keeps
    /// each node small (it is copied into every host) and the parameters hot in the cache.
    public var config: Config {
        get { configBox.value }
        set { configBox = ConfigBox(newValue) }
    }
    var configBox: ConfigBox
    /// The parameters, read in place (no copy of the configuration).
    var settings: Config { _read { yield configBox.value } }
    /// The node id (valid once `hasID`).
    public internal(set) var id: DHTID
    /// Whether the id has been assigned (at first start, or by a warm start).
    public internal(set) var hasID: Bool
    /// The routing table (k-buckets of contacts).
    public internal(set) var table: RoutingTable
    /// Peers stored for info-hashes.
    public internal(set) var storage = PeerStore()
    /// Whether the host is up (between `start` and a crash or leave).
    public internal(set) var isRunning = false
    /// Counters and lookup samples (kept across crashes: they measure the run, not the node).
    public internal(set) var metrics = DHTNodeMetrics()
    /// Finished lookups not yet drained by `takeResults()`.
    public internal(set) var results: [DHTLookupResult] = []
    var tokens = TokenIssuer(secret: 0)
    var pending: [PendingQuery] = []
    var lookups: [Lookup] = []
    var announcements: [Announcement] = []
    var nextSeq: UInt32 = 0
    var nextLookup: UInt32 = 0
    /// When the armed timeout timer fires (one timer covers every pending query: the earliest deadline).
    var timeoutTimerAt: SimTime?

    /// A node that has not started; without `config.id` it draws its id at first start.
    public init(config: Config = Config()) {
        self.configBox = ConfigBox(config)
        self.id = config.id ?? .zero
        self.hasID = config.id != nil
        self.table = RoutingTable(own: id, k: config.k, goodWindow: config.goodWindow, maxFailures: config.maxFailures)
    }

    /// Assigns the id and a pre-filled routing table (a warm start), before the host starts.
    public mutating func install(id: DHTID, table: RoutingTable) {
        precondition(table.own == id, "the table must belong to this id")
        self.id = id
        self.hasID = true
        self.table = table
    }

    /// Removes and returns the finished lookups' results, oldest first.
    public mutating func takeResults() -> [DHTLookupResult] {
        defer { results = [] }
        return results
    }

    /// Lookups in progress.
    public var activeLookups: Int { lookups.count }
    /// Info-hashes this node re-announces.
    public var announcing: [DHTID] { announcements.map(\.infoHash) }

    // MARK: Timers

    /// The top byte of every DHT timer token.
    public static let timerTag: UInt64 = 0xD7
    static let maintenanceTimer: UInt64 = timerTag << 56 | 1 << 48
    static let timeoutTimer: UInt64 = timerTag << 56 | 2 << 48
    /// What the node's timer with `token` does (nil if it is not one of the node's timers).
    public static func timerName(_ token: UInt64) -> String? {
        switch token {
        case maintenanceTimer: return "DHT maintenance (refresh stale buckets, republish)"
        case timeoutTimer: return "DHT query timeout (unanswered queries fail)"
        default: return nil
        }
    }

    /// Whether a timer token belongs to a DHT node (for embedders routing timers).
    @inlinable public static func ownsTimer(_ token: UInt64) -> Bool { token >> 56 == timerTag }

    // MARK: HostApplication

    /// Handles start, the maintenance and query-timeout timers, and KRPC datagrams on `config.port`.
    public mutating func handle(_ event: AppEvent<KRPCMessage>, io: inout HostIO<KRPCMessage>) {
        switch event {
        case .start:
            start(io: &io)
        case .timer(let token):
            guard Self.ownsTimer(token), isRunning else { return }
            if token == Self.maintenanceTimer {
                maintain(io: &io)
            } else if token == Self.timeoutTimer {
                expireQueries(io: &io)
            }
        case .datagram(let from, let port, let message, _):
            guard port == settings.port, isRunning else { return }
            receive(message, from: from, io: &io)
        case .connected, .connectFailed, .accepted, .received, .closed:
            break
        }
    }

    /// Loses the routing table, stored peers, pending queries, lookups and announcements;
    /// keeps the id and `metrics`.
    public mutating func crash() {
        isRunning = false
        table.removeAll(at: .zero)
        storage.removeAll()
        pending = []
        timeoutTimerAt = nil
        lookups = []
        announcements = []
        results = []
    }

    /// Starts a lookup or a ping, or stops re-announcing, as the command says.
    public mutating func command(_ command: Command, io: inout HostIO<KRPCMessage>) {
        switch command {
        case .getPeers(let h): getPeers(h, io: &io)
        case .announce(let h, let port): announce(h, port: port, io: &io)
        case .findNode(let t): findNode(t, io: &io)
        case .stopAnnouncing(let h): stopAnnouncing(h)
        case .ping(let e): send(.ping(id: id), to: e, nodeID: nil, purpose: .verify, io: &io)
        }
    }

    /// A stable digest of a payload for the run fingerprint.
    public static func digest(_ payload: KRPCMessage) -> UInt64 { payload.digest }

    // MARK: Embedder API

    /// Starts a `get_peers` lookup for `infoHash`; its `DHTLookupResult` appears in `results` when done.
    @discardableResult
    public mutating func getPeers(_ infoHash: DHTID, io: inout HostIO<KRPCMessage>) -> DHTLookupID {
        startLookup(.getPeers, target: infoHash, external: true, io: &io)
    }

    /// Announces that this host is a peer for `infoHash` on TCP `port` (nil: `implied_port`, the UDP
    /// source port): a `get_peers` lookup, then `announce_peer` with each token to the k closest nodes
    /// that answered. Re-announced every `republishInterval` until `stopAnnouncing` (or a crash).
    @discardableResult
    public mutating func announce(_ infoHash: DHTID, port: UInt16?, io: inout HostIO<KRPCMessage>) -> DHTLookupID {
        if let interval = settings.republishInterval {
            let next = io.now + interval
            if let i = announcements.firstIndex(where: { $0.infoHash == infoHash }) {
                announcements[i].port = port; announcements[i].nextAt = next
            } else {
                announcements.append(Announcement(infoHash: infoHash, port: port, nextAt: next))
            }
        }
        return startLookup(.announce(port: port), target: infoHash, external: true, io: &io)
    }

    /// Starts a `find_node` lookup for `target`.
    @discardableResult
    public mutating func findNode(_ target: DHTID, io: inout HostIO<KRPCMessage>) -> DHTLookupID {
        startLookup(.findNode, target: target, external: true, io: &io)
    }

    /// Stops re-announcing `infoHash` (stored copies expire on their own).
    public mutating func stopAnnouncing(_ infoHash: DHTID) {
        announcements.removeAll { $0.infoHash == infoHash }
    }

    // MARK: Start and maintenance

    mutating func start(io: inout HostIO<KRPCMessage>) {
        isRunning = true
        if !hasID {
            id = DHTID.random(using: &io.random)
            hasID = true
            table = RoutingTable(own: id, k: settings.k, goodWindow: settings.goodWindow, maxFailures: settings.maxFailures, now: io.now)
        }
        tokens = TokenIssuer(secret: io.random.next(), rotation: settings.tokenRotation)
        // The first tick after one to two intervals (nothing is stale or expired right after a start).
        let interval = max(1, settings.maintenanceInterval.nanoseconds)
        io.setTimer(Self.maintenanceTimer, after: .nanoseconds(interval + Int64(io.random.next() % UInt64(interval))))
        if table.isEmpty { bootstrap(io: &io) }
    }

    mutating func bootstrap(io: inout HostIO<KRPCMessage>) {
        guard !settings.bootstrap.isEmpty, !lookups.contains(where: { $0.kind == .bootstrap }) else { return }
        startLookup(.bootstrap, target: id, external: false, seeds: settings.bootstrap, io: &io)
    }

    mutating func maintain(io: inout HostIO<KRPCMessage>) {
        io.setTimer(Self.maintenanceTimer, after: settings.maintenanceInterval)
        storage.expire(at: io.now)
        if table.isEmpty {
            bootstrap(io: &io)
        } else if !lookups.contains(where: { if case .refresh = $0.kind { true } else { false } }),
                  let b = table.staleBuckets(at: io.now, interval: settings.refreshInterval).first {
            startLookup(.refresh(bucket: b), target: table.randomID(inBucket: b, using: &io.random), external: false, io: &io)
        }
        if settings.republishInterval != nil {
            for i in announcements.indices where announcements[i].nextAt <= io.now {
                announcements[i].nextAt = io.now + (settings.republishInterval ?? .zero)
                let a = announcements[i]
                startLookup(.announce(port: a.port), target: a.infoHash, external: false, io: &io)
            }
        }
    }

    // MARK: Sending and matching queries

    /// Sends a query and remembers it until its answer or timeout.
    mutating func send(_ query: KRPCQuery, to endpoint: Endpoint, nodeID: DHTID?, purpose: PendingQuery.Purpose,
                       io: inout HostIO<KRPCMessage>) {
        nextSeq &+= 1
        let seq = nextSeq
        let message = KRPCMessage.query(query, transaction: ShortBytes(integer: UInt64(seq & 0xFFFF), count: 2))
        io.sendDatagram(message, size: message.wireSize, from: settings.port, to: endpoint)
        let deadline = io.now + settings.queryTimeout
        pending.append(PendingQuery(seq: seq, to: endpoint, nodeID: nodeID, purpose: purpose, deadline: deadline))
        if timeoutTimerAt.map({ deadline < $0 }) ?? true {
            io.setTimer(Self.timeoutTimer, after: settings.queryTimeout)
            timeoutTimerAt = deadline
        }
        metrics.queriesSent += 1
    }

    mutating func reply(_ body: KRPCMessage.Body, transaction: ShortBytes, to endpoint: Endpoint, io: inout HostIO<KRPCMessage>) {
        let message = KRPCMessage(transaction: transaction, body: body)
        io.sendDatagram(message, size: message.wireSize, from: settings.port, to: endpoint)
    }

    mutating func receive(_ message: KRPCMessage, from: Endpoint, io: inout HostIO<KRPCMessage>) {
        switch message.body {
        case .query(let q):
            answer(q, transaction: message.transaction, from: from, io: &io)
        case .response(let r):
            guard let p = takePending(message.transaction, from: from) else { return }
            metrics.responsesReceived += 1
            responded(r, to: p, io: &io)
        case .error(let e):
            guard let p = takePending(message.transaction, from: from) else { return }
            metrics.errorsReceived += 1
            failed(p, error: e, io: &io)
        }
    }

    /// The pending query a response answers: same 2-byte transaction id, from the address we queried.
    mutating func takePending(_ t: ShortBytes, from: Endpoint) -> PendingQuery? {
        guard t.count == 2 else { return nil }
        let low = UInt32(t.integer)
        guard let i = pending.firstIndex(where: { $0.seq & 0xFFFF == low && $0.to.address == from.address }) else { return nil }
        return pending.remove(at: i)
    }

    /// The timeout timer fired: every query past its deadline has failed. Re-arms for the earliest
    /// remaining deadline before handling them (handling may send new queries, with later deadlines).
    mutating func expireQueries(io: inout HostIO<KRPCMessage>) {
        guard timeoutTimerAt.map({ $0 <= io.now }) ?? false else { return }
        timeoutTimerAt = nil
        let now = io.now
        let expired = pending.filter { $0.deadline <= now }
        pending.removeAll { $0.deadline <= now }
        if let next = pending.map(\.deadline).min() {
            io.setTimer(Self.timeoutTimer, after: next - now)
            timeoutTimerAt = next
        }
        for p in expired {
            metrics.timeouts += 1
            if let nid = p.nodeID { table.recordFailure(nid, at: now) }
            failed(p, error: nil, io: &io)
        }
    }

    // MARK: Answering queries

    mutating func answer(_ q: KRPCQuery, transaction: ShortBytes, from: Endpoint, io: inout HostIO<KRPCMessage>) {
        metrics.queriesReceived += 1
        let querier = q.id
        if querier != id, !table.noteQuery(from: querier, at: io.now), settings.verifyQueriers,
           table.couldAccept(querier, at: io.now), pending.count < 64,
           !pending.contains(where: { $0.to.address == from.address }) {
            send(.ping(id: id), to: from, nodeID: querier, purpose: .verify, io: &io)
        }
        switch q {
        case .ping:
            reply(.response(KRPCResponse(id: id)), transaction: transaction, to: from, io: &io)
        case .findNode(_, let target):
            reply(.response(KRPCResponse(id: id, nodes: closestNodes(to: target, now: io.now))), transaction: transaction, to: from, io: &io)
        case .getPeers(_, let infoHash):
            let token = tokens.issue(for: from.address, at: io.now)
            let peers = storage.peers(for: infoHash, at: io.now, limit: settings.maxValues)
            let r = peers.isEmpty
                ? KRPCResponse(id: id, nodes: closestNodes(to: infoHash, now: io.now), token: token)
                : KRPCResponse(id: id, values: peers, token: token)
            reply(.response(r), transaction: transaction, to: from, io: &io)
        case .announcePeer(_, let infoHash, let port, let token, let implied):
            guard tokens.accepts(token, from: from.address, at: io.now) else {
                metrics.announcesRejected += 1
                reply(.error(.badToken), transaction: transaction, to: from, io: &io)
                return
            }
            let peer = Endpoint(from.address, implied == true ? from.port : port)
            storage.store(peer, for: infoHash, at: io.now, ttl: settings.peerTTL, maxPeersPerKey: settings.maxPeersPerKey, maxKeys: settings.maxKeys)
            metrics.announcesAccepted += 1
            reply(.response(KRPCResponse(id: id)), transaction: transaction, to: from, io: &io)
        }
    }

    func closestNodes(to target: DHTID, now: SimTime) -> [CompactNode] {
        var contacts: [Contact] = []
        table.closest(to: target, count: settings.k, at: seconds(now), into: &contacts)
        return contacts.map(\.compact)
    }

    // MARK: Handling answers

    mutating func responded(_ r: KRPCResponse, to p: PendingQuery, io: inout HostIO<KRPCMessage>) {
        let outcome = table.insert(r.id, endpoint: p.to, at: io.now)
        if case .pingQuestionable(let old) = outcome,
           !pending.contains(where: { if case .eviction(let o, _, _) = $0.purpose { o == old.id } else { false } }) {
            send(.ping(id: id), to: old.endpoint, nodeID: old.id,
                 purpose: .eviction(old: old.id, candidate: CompactNode(id: r.id, endpoint: p.to), attempt: 1), io: &io)
        }
        switch p.purpose {
        case .lookup(let l):
            lookupResponded(l, endpoint: p.to, response: r, io: &io)
        case .announce(let l):
            announceAnswered(l, stored: true, io: &io)
        case .verify, .eviction:
            break
        }
    }

    /// A query failed: timed out (`error == nil`) or answered with a KRPC error.
    mutating func failed(_ p: PendingQuery, error: KRPCError?, io: inout HostIO<KRPCMessage>) {
        switch p.purpose {
        case .lookup(let l):
            lookupFailed(l, endpoint: p.to, io: &io)
        case .announce(let l):
            announceAnswered(l, stored: false, rejected: error != nil, io: &io)
        case .verify:
            break
        case .eviction(let old, let candidate, let attempt):
            guard error == nil, let c = table.contact(old) else { return }
            if table.state(of: c, at: io.now) == .bad {
                table.replace(old, with: candidate.id, endpoint: candidate.endpoint, at: io.now)
            } else if attempt < 2 {
                send(.ping(id: id), to: c.endpoint, nodeID: old, purpose: .eviction(old: old, candidate: candidate, attempt: attempt + 1), io: &io)
            }
        }
    }
}

/// An immutable, shareable `DHTNode.Config`.
final class ConfigBox: Sendable {
    let value: DHTNode.Config
    init(_ value: DHTNode.Config) { self.value = value }
}

/// A query waiting for its answer.
struct PendingQuery: Sendable, Hashable {
    enum Purpose: Sendable, Hashable {
        /// A step of lookup `id`.
        case lookup(UInt32)
        /// An `announce_peer` at the end of lookup `id`.
        case announce(UInt32)
        /// A ping to a node that queried us (added if it answers), or a ping command.
        case verify
        /// A ping to a questionable node that `candidate` would replace if it fails.
        case eviction(old: DHTID, candidate: CompactNode, attempt: UInt8)
    }
    var seq: UInt32
    var to: Endpoint
    /// The node's id, if known (failures are recorded against it).
    var nodeID: DHTID?
    var purpose: Purpose
    /// When it times out.
    var deadline: SimTime
}

/// An info-hash this node re-announces.
struct Announcement: Sendable, Hashable {
    var infoHash: DHTID
    var port: UInt16?
    var nextAt: SimTime
}
