public import BitCollections
public import DequeModule
public import Network
public import SimKernel

/// How a peer chooses which piece to download next.
public enum PieceSelection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Uniformly at random among the pieces the neighbour has and we lack.
    case random
    /// The piece the fewest neighbours have (ties at random); the first few pieces at random (BEP 3 advice).
    case rarestFirst = "rarest-first"
    /// The lowest-numbered piece first (what a streaming player would like).
    case inOrder = "in-order"
}

/// How a seed chooses whom to unchoke.
public enum SeedChoking: String, Sendable, Hashable, Codable, CaseIterable {
    /// The peers it uploads to fastest (mainline 4.x).
    case uploadRate = "upload-rate"
    /// In turn, so every interested peer gets a share.
    case roundRobin = "round-robin"
}

/// What a peer does once it has the whole file.
public enum SeedingPolicy: Sendable, Hashable {
    /// Leaves at once (selfish).
    case leave
    /// Stays and seeds for a while, then leaves.
    case stay(SimDuration)
    /// Seeds until the end (altruistic).
    case forever
}

/// Why a neighbour was unchoked in a rechoke round.
public enum UnchokeReason: Sendable, Hashable {
    /// Among the top upload slots by rate: rank (1 = best) and the rate in bytes per second over the last 20 s.
    case rate(rank: Int, bytesPerSecond: Double)
    /// The optimistic unchoke: a random interested peer, to discover better partners and bootstrap newcomers.
    case optimistic
    /// A seed's round-robin turn.
    case roundRobin
    /// Unchoked between rechokes because an upload slot was free when it became interested.
    case freeSlot
}

/// One neighbour's line in a rechoke record.
public struct UnchokeEntry: Sendable, Hashable {
    /// The neighbour's peer id (its host's node id).
    public var peer: UInt32
    /// Why it was unchoked.
    public var reason: UnchokeReason
    /// Download rate from it and upload rate to it over the last 20 s, bytes per second.
    public var downRate: Double
    public var upRate: Double
}

/// Everything decided in one rechoke (every 10 s): who is unchoked and why.
public struct ChokeRecord: Sendable, Hashable {
    /// The rechoke's number (1 for the first); an unchoke between rechokes is recorded with the latest number.
    public var round: Int
    /// When it was decided.
    public var time: SimTime
    /// The neighbours unchoked, with reasons and rates.
    public var unchoked: [UnchokeEntry]
    /// How many interested neighbours stayed choked (a count, not a list: a peer keeps 64 records, and in
    /// a big swarm lists of up to 100 ids each were a sixth of the run's memory).
    public var chokedInterested: Int
    /// Neighbours considered snubbing us (no data for 60 s): excluded from the rate-based slots.
    public var snubbed: [UInt32]
    /// Whether this peer was seeding (choosing by upload rate or round-robin) or a free-rider (unchoking nobody).
    public var seeding: Bool
    public var freeRiding: Bool
}

/// Bytes given to and received from one neighbour: the reciprocity ledger.
public struct LedgerEntry: Sendable, Hashable {
    /// The neighbour's peer id (its host's node id).
    public var peer: UInt32
    /// Block bytes sent to it on this connection.
    public var uploaded: Int64
    /// Block bytes received from it on this connection.
    public var downloaded: Int64
    /// We choke it: its requests are not served.
    public var amChoking: Bool
    /// It chokes us.
    public var peerChoking: Bool
    /// It has pieces we lack and we told it so.
    public var amInterested: Bool
    /// It told us it wants pieces we have.
    public var peerInterested: Bool
}

/// What a peer measured about itself.
public struct PeerStats: Sendable, Hashable {
    /// When the peer first started (kept across restarts); nil if it never has.
    public var joinedAt: SimTime?
    /// When it had every piece; nil while incomplete and for a peer that started as a seed.
    public var completedAt: SimTime?
    /// When the first piece was complete (how fast a newcomer got started).
    public var firstPieceAt: SimTime?
    /// When it left the swarm; nil while in it (a crash is not a departure).
    public var departedAt: SimTime?
    /// Block bytes sent to neighbours (payload only, no message headers).
    public var bytesUploaded: Int64 = 0
    /// Block bytes received from neighbours, duplicates included.
    public var bytesDownloaded: Int64 = 0
    /// Time spent incomplete with no neighbour unchoking us.
    public var timeChoked = SimDuration.zero
    /// Connections dialled.
    public var connectsInitiated = 0
    /// Dials that timed out or were refused.
    public var connectsFailed = 0
    /// Incoming connections accepted (those over the cap are closed and not counted).
    public var connectionsAccepted = 0
    /// Blocks received that were already held (endgame duplicates).
    public var blocksDuplicated = 0
    /// Announces sent to the tracker, retries included.
    public var announces = 0
    /// Announce replies received.
    public var announceReplies = 0
    /// New peer addresses learnt from the tracker and from the DHT (each address counted once).
    public var peersFromTracker = 0
    public var peersFromDHT = 0
}

/// A BitTorrent peer (BEP 3 peer wire semantics, the mainline client's choker).
///
/// Downloads 16 KiB blocks with a pipeline of outstanding requests per connection, picks pieces by
/// `PieceSelection` with strict priority for started pieces and an endgame mode, and rechokes every 10 s:
/// the top 3 interested neighbours by download rate over the last 20 s (by upload rate, or round-robin,
/// when seeding) plus one optimistic unchoke rotated every 30 s; neighbours that sent nothing for 60 s
/// are snubbed out of the rate slots. Every rechoke is recorded with its reasons. Requests queue per
/// connection and are served round-robin (see `pumpUploads`); HAVE goes only to neighbours that lack the piece.
public struct BTPeer: HostApplication, Sendable {
    /// What the peer's timer with `token` does (nil if it is not one of the peer's timers).
    public static func timerName(_ token: UInt64) -> String? { PeerState.timerName(token) }

    /// Tracker datagrams and peer wire messages.
    public typealias Payload = BTMessage

    /// Live commands (from the dashboard's `:` line or a timeline).
    public enum Command: Sendable, Hashable, CustomStringConvertible {
        /// Free-ride (true: upload nothing, unchoke nobody) or contribute again (false).
        case freeRide(Bool)
        /// Leave the swarm now (announce `stopped`, close every connection).
        case leaveSwarm
        public var description: String {
            switch self {
            case .freeRide(let on): return on ? "freeride" : "contribute"
            case .leaveSwarm: return "leave-swarm"
            }
        }
    }

    /// How the peer behaves: torrent, tracker, piece selection, choking and seeding.
    public struct Config: Sendable, Hashable {
        /// The torrent it shares.
        public var torrent: TorrentInfo
        /// The tracker's endpoint (nil: no tracker; peers must come another way).
        public var tracker: Endpoint?
        /// The port it accepts peers on and announces to the tracker.
        public var port: UInt16 = 6881
        /// Start with every piece (an initial seed).
        public var startAsSeed = false
        /// How the next piece is chosen.
        public var selection: PieceSelection = .rarestFirst
        /// Pieces chosen at random before rarest-first takes over.
        public var randomFirstPieces = 4
        /// Enter endgame once every missing block is requested: the rest are requested from other neighbours too.
        public var endgame = true
        /// Outstanding block requests per connection.
        public var pipeline = 5
        /// Dial until this many connections; accept incoming ones until twice this many.
        public var maxConnections = 50
        /// Peers asked of the tracker in each announce.
        public var numwant = 50
        /// Rate-based upload slots (mainline: 3) — plus one optimistic.
        public var uploadSlots = 3
        /// Keep one optimistic unchoke besides the rate-based slots.
        public var optimisticUnchoke = true
        /// Time between rechokes; rates are measured over the last two intervals.
        public var rechokeInterval: SimDuration = .seconds(10)
        /// Rechokes between optimistic rotations (3 × 10 s = 30 s).
        public var optimisticEvery = 3
        /// A neighbour that has sent no block for this long is snubbed: left out of the rate-based slots.
        public var snubTimeout: SimDuration = .seconds(60)
        /// How upload slots are given out once seeding.
        public var seedChoking: SeedChoking = .uploadRate
        /// What the peer does once it has every piece.
        public var seeding: SeedingPolicy = .forever
        /// Download without uploading: unchoke nobody, serve no request.
        public var freeRider = false
        /// Rechoke records kept (the dashboard's history strip).
        public var historyLength = 64

        /// The default (mainline-like) behaviour for `torrent`, announcing to `tracker` (nil: no tracker).
        public init(torrent: TorrentInfo, tracker: Endpoint?) { self.torrent = torrent; self.tracker = tracker }
    }

    /// Where this peer is in its life.
    public enum Phase: String, Sendable, Hashable { case idle, leeching, seeding, departed }

    /// The peer's whole state lives in one copy-on-write box: an application is copied out of and back
    /// into its host's enum on every event, and one retain is much cheaper than one per collection.
    var box: PeerBox

    /// The state, for mutation: copied first if a checkpoint shares it.
    var state: PeerState {
        get { box.state }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = PeerBox(box.state) }
            yield &box.state
        }
    }

    /// A peer that has not started yet; with `startAsSeed` it already holds every piece.
    public init(config: Config) { box = PeerBox(PeerState(config: config)) }

    /// Its configuration; setting it (e.g. `freeRider`) takes effect from the next decision.
    public var config: Config {
        get { box.state.config }
        set { state.config = newValue }
    }
    /// Idle until started (and after a crash), then leeching, seeding, or departed.
    public var phase: Phase { box.state.phase }
    /// Pieces held (persist across a crash: they are on disk).
    public var have: BitArray { box.state.have }
    /// The number of pieces held.
    public var haveCount: Int { box.state.haveCount }
    /// How many neighbours have each piece (rarity), kept incrementally.
    public var availability: [UInt16] { box.state.availability }
    /// Rechoke rounds run so far.
    public var rechokes: Int { box.state.rechokes }
    /// What the peer measured about itself.
    public var stats: PeerStats { box.state.stats }
    /// The latest rechoke records, oldest first.
    public var history: Deque<ChokeRecord> { box.state.history }
    /// True in endgame: every missing block has been requested, some from more than one neighbour.
    public var inEndgame: Bool {
        get { box.state.inEndgame }
        set { state.inEndgame = newValue }
    }

    /// True when every piece is held.
    public var isComplete: Bool { box.state.isComplete }
    /// Fraction of the file held, 0…1.
    public var progress: Double { Double(haveCount) / Double(max(1, config.torrent.pieceCount)) }
    /// Open connections to neighbours (handshake done or not).
    public var connectionCount: Int { box.state.neighbors.count }
    /// Pieces being downloaded (some blocks requested or received).
    public var piecesInProgress: [Int] { box.state.partials.map { Int($0.piece) } }

    /// Download and upload rates over roughly the last 20 s (since the rechoke before last), bytes per second.
    public var recentRates: (down: Double, up: Double) {
        let s = box.state
        let window = Double(s.config.rechokeInterval.nanoseconds) * 2 / 1e9
        var down: Int64 = 0, up: Int64 = 0
        for n in s.neighbors.items { down += n.downloaded - n.downMarks.1; up += n.uploaded - n.upMarks.1 }
        return (Double(down) / window, Double(up) / window)
    }

    /// Neighbours currently considered snubbing us (no block for `snubTimeout`), by peer id.
    public func snubbedPeers(at now: SimTime) -> Set<UInt32> {
        let s = box.state
        return Set(s.neighbors.items.filter { now - $0.lastBlockAt > s.config.snubTimeout && now - $0.connectedAt > s.config.snubTimeout }.map(\.peer))
    }

    /// The reciprocity ledger, by peer id.
    public var ledger: [LedgerEntry] {
        box.state.neighbors.items.map {
            LedgerEntry(peer: $0.peer, uploaded: $0.uploaded, downloaded: $0.downloaded, amChoking: $0.amChoking,
                        peerChoking: $0.peerChoking, amInterested: $0.amInterested, peerInterested: $0.peerInterested)
        }
    }

    /// Runs the peer for one event: peer wire messages, announces, rechokes and upload pacing.
    public mutating func handle(_ event: AppEvent<BTMessage>, io: inout HostIO<BTMessage>) {
        state.handle(event, &io)
    }

    /// Where a peer address came from.
    public enum PeerSource: Sendable, Hashable { case tracker, dht }

    /// Adds peer addresses learnt from the tracker or the DHT and connects to them up to the connection
    /// cap. Addresses already queued or connected, or dialled less than a minute ago, are skipped; our own
    /// address is dropped at the handshake.
    public mutating func addPeers(_ peers: [Endpoint], from source: PeerSource, io: inout HostIO<BTMessage>) {
        state.addPeers(peers, from: source, &io)
    }

    /// True while the peer takes part in the swarm (started, not departed).
    public var isActive: Bool { box.state.phase == .leeching || box.state.phase == .seeding }

    /// Loses connections, requests and partial pieces; complete pieces (on disk) and `stats` are kept.
    public mutating func crash() { state.crash() }

    /// Turns free-riding on or off, or leaves the swarm.
    public mutating func command(_ command: Command, io: inout HostIO<BTMessage>) {
        switch command {
        case .freeRide(let on): state.config.freeRider = on
        case .leaveSwarm: state.depart(&io)
        }
    }

    /// A stable digest of a payload for the run fingerprint.
    public static func digest(_ payload: BTMessage) -> UInt64 { payload.digest }
}

/// The box behind a `BTPeer`.
///
/// `@unchecked Sendable` is safe: `state` is only written through `BTPeer.state`'s `_modify`, which
/// first replaces the box by a private copy unless this `BTPeer` holds the only reference. A box that
/// two values (or two threads) can see is therefore never mutated again, only read — the same
/// copy-on-write discipline as the standard collections.
final class PeerBox: @unchecked Sendable {
    var state: PeerState
    init(_ state: PeerState) { self.state = state }
}

/// A fixed-size set of piece indices in 64-bit words, so the picker scans 64 pieces at a time.
struct PieceBits: Sendable, Hashable {
    private(set) var words: [UInt64]
    let count: Int

    init(count: Int, all: Bool = false) {
        self.count = count
        words = Array(repeating: 0, count: (count + 63) / 64)
        if all { for p in 0..<count { self[p] = true } }
    }

    init(_ bits: BitArray) {
        self.init(count: bits.count)
        for (p, b) in bits.enumerated() where b { self[p] = true }
    }

    subscript(_ p: Int) -> Bool {
        @inline(__always) get { words[p >> 6] >> UInt64(p & 63) & 1 != 0 }
        @inline(__always) set {
            if newValue { words[p >> 6] |= 1 << UInt64(p & 63) } else { words[p >> 6] &= ~(1 << UInt64(p & 63)) }
        }
    }

    mutating func removeAll() { for w in words.indices { words[w] = 0 } }

    /// Calls `body` with every index set in `self` and clear in `a` and `b`, in increasing order; stops
    /// when it returns false.
    func forEach(notIn a: PieceBits, notIn b: PieceBits, _ body: (Int) -> Bool) {
        for w in words.indices {
            var x = words[w] & ~a.words[w] & ~b.words[w]
            while x != 0 {
                if !body(w << 6 | x.trailingZeroBitCount) { return }
                x &= x &- 1
            }
        }
    }

    /// Calls `body` with every index set, in increasing order.
    func forEachSet(_ body: (Int) -> Void) {
        for w in words.indices {
            var x = words[w]
            while x != 0 {
                body(w << 6 | x.trailingZeroBitCount)
                x &= x &- 1
            }
        }
    }
}

/// One neighbour's connection state.
struct Neighbor: Sendable {
    var id: ConnectionID
    var remote: Endpoint
    var peer: UInt32 = .max
    var handshaken = false
    var have: PieceBits
    var haveCount = 0
    /// Pieces they have that we lack.
    var interesting = 0
    var amChoking = true, amInterested = false, peerChoking = true, peerInterested = false
    var outstanding: [Block] = []
    /// Blocks they asked us for, not yet handed to the uplink (oldest first).
    var queued: [Block] = []
    /// Whether this connection is in `PeerState.uploadTurns`.
    var awaitingTurn = false
    /// Whether it has had its newcomer's chance at the optimistic unchoke.
    var enteredRotation = false
    var downloaded: Int64 = 0, uploaded: Int64 = 0
    /// `downloaded`/`uploaded` at the last two rechokes (10 s and 20 s ago).
    var downMarks: (Int64, Int64) = (0, 0), upMarks: (Int64, Int64) = (0, 0)
    var connectedAt: SimTime
    var lastBlockAt: SimTime
    var initiator: Bool
}

struct Block: Sendable, Hashable { var piece: Int32; var block: Int32 }

/// Neighbours kept sorted by connection id: look-ups by binary search (no hashing), and iteration is
/// already in the deterministic order every decision needs; each is mutated in place.
struct NeighborTable: Sendable {
    private(set) var items: [Neighbor] = []
    /// The ids of `items`, in the same order: the binary search reads these few cache lines rather than
    /// one wide record per probe.
    private var ids: [ConnectionID] = []
    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }

    /// Where `id` is, or where it would go.
    func slot(_ id: ConnectionID) -> Int { ids.sortedSlot(of: id) }

    func index(of id: ConnectionID) -> Int? { ids.sortedIndex(of: id) }

    /// Inserts `n`, replacing a neighbour with the same id.
    mutating func insert(_ n: Neighbor) {
        let i = slot(n.id)
        if i < ids.count && ids[i] == n.id {
            items[i] = n
        } else {
            items.insert(n, at: i)
            ids.insert(n.id, at: i)
        }
    }

    @discardableResult mutating func remove(at i: Int) -> Neighbor {
        ids.remove(at: i)
        return items.remove(at: i)
    }

    mutating func removeAll() { items.removeAll(); ids.removeAll() }

    subscript(_ i: Int) -> Neighbor {
        get { items[i] }
        _modify { yield &items[i] }
    }
}

/// Per-block state of a piece being downloaded: 0 free, 1…254 outstanding requests, 255 received.
struct Partial: Sendable, Hashable {
    var piece: Int32
    var blocks: [UInt8]
    var received = 0
}

/// Everything a peer knows and does; `BTPeer` wraps it in a copy-on-write box.
struct PeerState: Sendable {
    typealias Config = BTPeer.Config
    typealias Phase = BTPeer.Phase

    var config: Config
    var phase: Phase = .idle
    var have: BitArray
    /// The same pieces as `have`, in words for the picker.
    var haveBits: PieceBits
    var haveCount = 0
    var availability: [UInt16]
    /// Pieces being downloaded, in the order they were started.
    var partials: [Partial] = []
    /// The pieces of `partials`, as a set.
    var inProgress: PieceBits
    var neighbors = NeighborTable()
    var pending = 0
    var candidates: [Endpoint] = []
    /// Every peer address ever learnt (for the per-source counts), and when each address was last dialled:
    /// an address is dialled again, if it turns up again, once `redialAfter` has passed (a peer that left
    /// and came back, or a seed whose connection dropped, is not lost for good).
    var known: Set<Endpoint> = []
    var dialledAt: [Endpoint: SimTime] = [:]
    var optimistic: ConnectionID?
    var roundRobinCursor = 0
    var unchokedBy = 0
    var chokedSince: SimTime?
    var rechokes = 0
    var stats = PeerStats()
    var history: Deque<ChokeRecord> = []
    var inEndgame = false
    /// Connections with requests queued, in round-robin order (entries for connections since closed,
    /// choked or cancelled down to nothing are skipped when their turn comes).
    var uploadTurns: Deque<ConnectionID> = []
    var uploadTimerArmed = false

    static let rechokeTimer: UInt64 = 1, announceTimer: UInt64 = 2, leaveTimer: UInt64 = 3, uploadTimer: UInt64 = 4
    /// What a peer's timer with `token` does, for the dashboard's "next event" line.
    static func timerName(_ token: UInt64) -> String? {
        guard token >> 56 == 0 else { return nil }
        switch token & 0xFF {
        case rechokeTimer: return "rechoke timer (every 10 s: choose whom to unchoke)"
        case announceTimer: return "announce timer (re-announce to the tracker)"
        case leaveTimer: return "seeding time is up: leave the swarm"
        case uploadTimer: return "upload timer (the uplink has room: send queued blocks)"
        default: return nil
        }
    }
    /// The uplink is fed until it holds this many 16 KiB blocks' worth of data (or two requests' worth, if
    /// requests are larger), and again once it is down to one request.
    static let sendBufferBlocks: Int64 = 4
    /// How long before an address dialled once may be dialled again when the tracker or the DHT lists it.
    static let redialAfter: SimDuration = .seconds(60)
    /// Timers cannot be cancelled, so the announce timer carries a generation in bits 8…47 (the top byte
    /// stays clear for embedders' tokens); a timer whose generation is not the latest is ignored.
    var announceTimerGeneration: UInt64 = 0
    static func announceToken(_ generation: UInt64) -> UInt64 { announceTimer | (generation & 0xFF_FFFF_FFFF) << 8 }

    init(config: Config) {
        self.config = config
        let n = config.torrent.pieceCount
        have = BitArray(repeating: config.startAsSeed, count: n)
        haveBits = PieceBits(count: n, all: config.startAsSeed)
        haveCount = config.startAsSeed ? n : 0
        availability = Array(repeating: 0, count: n)
        inProgress = PieceBits(count: n)
    }

    var isComplete: Bool { haveCount == config.torrent.pieceCount }

    mutating func setAnnounceTimer(after delay: SimDuration, _ io: inout HostIO<BTMessage>) {
        announceTimerGeneration &+= 1
        io.setTimer(Self.announceToken(announceTimerGeneration), after: delay)
    }

    // MARK: Events

    mutating func handle(_ event: AppEvent<BTMessage>, _ io: inout HostIO<BTMessage>) {
        if phase == .departed { return }
        switch event {
        case .start:
            start(&io)
        case .timer(let token):
            switch token {
            case Self.rechokeTimer:
                rechoke(&io)
                io.setTimer(Self.rechokeTimer, after: config.rechokeInterval)
            case Self.leaveTimer:
                depart(&io)
            case Self.uploadTimer:
                uploadTimerArmed = false
                pumpUploads(&io)
            default:
                // Only the latest announce timer counts: an answer re-arms it, so the one-minute retry
                // set with the request must not fire a second announce stream.
                if token == Self.announceToken(announceTimerGeneration) { announce(.none, &io) }
            }
        case .datagram(_, _, let message, _):
            if case .announceReply(let interval, let peers, _, _) = message { announceReply(interval: interval, peers: peers, &io) }
        case .connected(let id, let remote):
            pending = max(0, pending - 1)
            guard neighbors.count < 2 * config.maxConnections else { io.close(id); return }
            addNeighbor(id, remote: remote, initiator: true, &io)
        case .connectFailed:
            pending = max(0, pending - 1)
            stats.connectsFailed += 1
        case .accepted(let id, let remote, _):
            // As the mainline client (max_initiate 40, max_allow_in 80): a peer dials until it has
            // `maxConnections` and accepts until twice that, counting established connections only, so a
            // peer still dialling its tracker list does not turn everyone away.
            guard neighbors.count < 2 * config.maxConnections else { io.close(id); return }
            stats.connectionsAccepted += 1
            addNeighbor(id, remote: remote, initiator: false, &io)
        case .received(let id, let message, _):
            receive(message, on: id, &io)
        case .closed(let id, _):
            removeNeighbor(id, &io)
            connectMore(&io)
        }
    }

    mutating func start(_ io: inout HostIO<BTMessage>) {
        stats.joinedAt = stats.joinedAt ?? io.now
        phase = isComplete ? .seeding : .leeching
        if !isComplete, chokedSince == nil { chokedSince = io.now }
        io.listen(on: config.port)
        announce(.started, &io)
        // Rechoke on the global 10 s grid, so every peer's rounds line up with the dashboard's.
        let r = config.rechokeInterval.nanoseconds
        io.setTimer(Self.rechokeTimer, after: .nanoseconds(r - io.now.nanoseconds % r))
        if isComplete { scheduleLeaveIfNeeded(&io) }
    }

    mutating func announce(_ event: AnnounceEvent, _ io: inout HostIO<BTMessage>) {
        guard let tracker = config.tracker else { return }
        stats.announces += 1
        let left = Int64(config.torrent.pieceCount - haveCount) * Int64(config.torrent.pieceLength)
        let msg = BTMessage.announce(infoHash: config.torrent.infoHash, peer: UInt32(io.host), port: config.port, event: event,
                                     left: max(0, left), numwant: event == .stopped ? 0 : config.numwant)
        io.sendDatagram(msg, size: msg.wireSize, from: config.port, to: tracker)
        // Without an answer (tracker down, datagram lost) try again in a minute; an answer resets this.
        if event != .stopped { setAnnounceTimer(after: .seconds(60), &io) }
    }

    mutating func announceReply(interval: SimDuration, peers: [Endpoint], _ io: inout HostIO<BTMessage>) {
        stats.announceReplies += 1
        setAnnounceTimer(after: max(interval, .seconds(30)), &io)
        addPeers(peers, from: .tracker, &io)
    }

    mutating func addPeers(_ peers: [Endpoint], from source: BTPeer.PeerSource, _ io: inout HostIO<BTMessage>) {
        guard phase == .leeching || phase == .seeding else { return }
        for p in peers {
            if known.insert(p).inserted {
                switch source {
                case .tracker: stats.peersFromTracker += 1
                case .dht: stats.peersFromDHT += 1
                }
            }
            if let at = dialledAt[p], io.now - at < Self.redialAfter { continue }
            if candidates.contains(p) || neighbors.items.contains(where: { $0.remote == p }) { continue }
            candidates.append(p)
        }
        connectMore(&io)
    }

    /// Opens connections to known peers until the connection cap (in random order).
    mutating func connectMore(_ io: inout HostIO<BTMessage>) {
        while neighbors.count + pending < config.maxConnections, !candidates.isEmpty {
            let i = Int(io.random.next() % UInt64(candidates.count))
            let target = candidates.swapRemoveAt(i)
            dialledAt[target] = io.now
            pending += 1
            stats.connectsInitiated += 1
            _ = io.connect(to: target)
        }
    }

    mutating func addNeighbor(_ id: ConnectionID, remote: Endpoint, initiator: Bool, _ io: inout HostIO<BTMessage>) {
        if initiator { dialledAt[remote] = io.now }
        neighbors.insert(Neighbor(id: id, remote: remote, have: PieceBits(count: config.torrent.pieceCount),
                                  connectedAt: io.now, lastBlockAt: io.now, initiator: initiator))
        send(.handshake(infoHash: config.torrent.infoHash, peer: UInt32(io.host)), on: id, &io)
        if haveCount > 0 { send(.bitfield(have), on: id, &io) }
    }

    mutating func removeNeighbor(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard let i = neighbors.index(of: id) else { return }
        let n = neighbors.remove(at: i)
        if n.haveCount > 0 {
            n.have.forEachSet { availability[$0] &-= 1 }
        }
        for b in n.outstanding { release(b) }
        if !n.peerChoking { unchokedByChanged(-1, io.now) }
        if optimistic == id { optimistic = nil }
    }

    @inline(__always)
    mutating func send(_ m: BTMessage, on id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        io.send(m, size: m.wireSize, on: id)
    }

    mutating func receive(_ message: BTMessage, on id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard let i = neighbors.index(of: id) else { return }
        switch message {
        case .handshake(let hash, let peer):
            // A different torrent, or ourselves (our own address came back from the tracker or the DHT).
            guard hash == config.torrent.infoHash, peer != UInt32(io.host) else {
                if !neighbors[i].peerChoking { unchokedByChanged(-1, io.now) }
                neighbors.remove(at: i)
                io.close(id)
                return
            }
            // One connection per peer: when both sides dialled each other, the one opened by the lower
            // peer id is kept (both ends apply the same rule, so they agree).
            if let o = neighbors.items.firstIndex(where: { $0.peer == peer && $0.id != id }) {
                let other = neighbors[o], initiator = neighbors[i].initiator
                let keepOther = (other.initiator ? UInt32(io.host) : peer) < (initiator ? UInt32(io.host) : peer)
                let drop = keepOther ? id : other.id
                removeNeighbor(drop, &io)
                io.close(drop)
                if drop == id { return }
            }
            guard let j = neighbors.index(of: id) else { return }
            neighbors[j].handshaken = true
            neighbors[j].peer = peer
        case .bitfield(let bits):
            guard bits.count == config.torrent.pieceCount else { return }
            // Merged, not replaced: a HAVE sent after the bitfield can overtake it (it is small, the
            // bitfield of a big torrent is not), and its piece must not be forgotten.
            var count = 0, interesting = 0
            for p in 0..<bits.count where bits[p] && !neighbors[i].have[p] {
                neighbors[i].have[p] = true
                count += 1
                availability[p] &+= 1
                if !haveBits[p] { interesting += 1 }
            }
            neighbors[i].haveCount += count
            neighbors[i].interesting += interesting
            updateInterest(id, &io)
        case .have(let piece):
            let p = Int(piece)
            guard p >= 0, p < config.torrent.pieceCount, !neighbors[i].have[p] else { return }
            neighbors[i].have[p] = true
            neighbors[i].haveCount += 1
            availability[p] &+= 1
            if !haveBits[p] { neighbors[i].interesting += 1 }
            updateInterest(id, &io)
        case .interested:
            neighbors[i].peerInterested = true
            unchokeIfSlotFree(id, &io)
            enterOptimisticRotation(id, &io)
        case .notInterested:
            neighbors[i].peerInterested = false
        case .choke:
            guard !neighbors[i].peerChoking else { return }
            neighbors[i].peerChoking = true
            var lost: [Block] = []
            swap(&lost, &neighbors[i].outstanding)
            for b in lost { release(b) }
            lost.removeAll(keepingCapacity: true)
            neighbors[i].outstanding = lost
            unchokedByChanged(-1, io.now)
        case .unchoke:
            guard neighbors[i].peerChoking else { return }
            neighbors[i].peerChoking = false
            unchokedByChanged(+1, io.now)
            requestMore(id, &io)
        case .request(let piece, let block):
            let p = Int(piece)
            guard !neighbors[i].amChoking, !config.freeRider, p >= 0, p < config.torrent.pieceCount, haveBits[p],
                  block >= 0, Int(block) < config.torrent.blockCount(p) else { return }
            let b = Block(piece: piece, block: block)
            guard !neighbors[i].queued.contains(b) else { return }
            neighbors[i].queued.append(b)
            if !neighbors[i].awaitingTurn {
                neighbors[i].awaitingTurn = true
                uploadTurns.append(id)
            }
            pumpUploads(&io)
        case .piece(let piece, let block, let length):
            receiveBlock(Block(piece: piece, block: block), length: Int(length), at: i, &io)
        case .cancel(let piece, let block):
            // A block already on the uplink goes anyway, as it would from a socket's send buffer.
            if let j = neighbors[i].queued.firstIndex(of: Block(piece: piece, block: block)) { neighbors[i].queued.remove(at: j) }
        default:
            break
        }
    }

    mutating func updateInterest(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard let i = neighbors.index(of: id) else { return }
        updateInterest(at: i, &io)
    }

    mutating func updateInterest(at i: Int, _ io: inout HostIO<BTMessage>) {
        let want = neighbors[i].interesting > 0 && phase == .leeching
        if want != neighbors[i].amInterested {
            neighbors[i].amInterested = want
            send(want ? .interested : .notInterested, on: neighbors[i].id, &io)
        }
        if want && !neighbors[i].peerChoking { requestMore(at: i, &io) }
    }

    /// Tracks how many neighbours unchoke us, to measure time spent choked while incomplete.
    mutating func unchokedByChanged(_ delta: Int, _ now: SimTime) {
        let before = unchokedBy
        unchokedBy = max(0, unchokedBy + delta)
        guard !isComplete else { return }
        if before == 0 && unchokedBy > 0, let since = chokedSince {
            stats.timeChoked = stats.timeChoked + (now - since)
            chokedSince = nil
        } else if before > 0 && unchokedBy == 0 {
            chokedSince = now
        }
    }

    // MARK: Uploading

    /// Hands queued blocks to the uplink, one per connection in turn, while it holds less than
    /// `sendBufferBlocks` blocks' worth of data; a timer comes back when it is down to one block.
    ///
    /// This is how a client shares its uplink: it writes into small per-connection socket buffers and TCP
    /// gives each busy connection an equal share. Every unchoked peer with a request waiting gets the same
    /// rate, however many requests it keeps in flight (a single FIFO would favour deep pipelines, such as a
    /// free-rider's in an optimistic slot, over trading partners that have fewer pieces left to ask for).
    /// The queues are also what BEP 3's semantics act on: a choke discards a connection's queue and a
    /// cancel removes its block.
    mutating func pumpUploads(_ io: inout HostIO<BTMessage>) {
        let oneBlock = io.uplinkTime(bytes: config.torrent.blockLength + 13)
        let buffer = io.uplinkTime(bytes: (TorrentInfo.blockSize + 13) * Int(Self.sendBufferBlocks))
        let fill = max(buffer, oneBlock * 2)
        while max(io.uplinkBusyUntil, io.now) - io.now < fill, let id = uploadTurns.popFirst() {
            guard let i = neighbors.index(of: id) else { continue }
            neighbors[i].awaitingTurn = false
            guard !neighbors[i].amChoking, !config.freeRider, !neighbors[i].queued.isEmpty else {
                neighbors[i].queued.removeAll()
                continue
            }
            let b = neighbors[i].queued.removeFirst()
            let length = config.torrent.blockSize(Int(b.piece), Int(b.block))
            neighbors[i].uploaded += Int64(length)
            stats.bytesUploaded += Int64(length)
            send(.piece(piece: b.piece, block: b.block, length: Int32(length)), on: id, &io)
            if !neighbors[i].queued.isEmpty {
                neighbors[i].awaitingTurn = true
                uploadTurns.append(id)
            }
        }
        if !uploadTimerArmed, !uploadTurns.isEmpty {
            uploadTimerArmed = true
            let drained = max(io.uplinkBusyUntil, io.now) - io.now - oneBlock
            io.setTimer(Self.uploadTimer, after: max(drained, .nanoseconds(1)))
        }
    }

    // MARK: Downloading

    mutating func requestMore(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard let i = neighbors.index(of: id) else { return }
        requestMore(at: i, &io)
    }

    mutating func requestMore(at i: Int, _ io: inout HostIO<BTMessage>) {
        guard neighbors[i].amInterested, !neighbors[i].peerChoking else { return }
        while neighbors[i].outstanding.count < config.pipeline, let b = pickBlock(for: i, random: &io.random) {
            neighbors[i].outstanding.append(b)
            send(.request(piece: b.piece, block: b.block), on: neighbors[i].id, &io)
        }
    }

    /// The next block to ask neighbour `i` for, marking it requested: a started piece first (strict
    /// priority), then a new piece by the selection policy, then (endgame) a block already requested from
    /// someone else.
    mutating func pickBlock(for i: Int, random: inout SimRandom) -> Block? {
        for k in partials.indices where neighbors[i].have[Int(partials[k].piece)] {
            if let b = partials[k].blocks.firstIndex(of: 0) {
                partials[k].blocks[b] = 1
                return Block(piece: partials[k].piece, block: Int32(b))
            }
        }
        if let p = pickNewPiece(for: i, random: &random) {
            var blocks = [UInt8](repeating: 0, count: config.torrent.blockCount(p))
            blocks[0] = 1
            partials.append(Partial(piece: Int32(p), blocks: blocks))
            inProgress[p] = true
            return Block(piece: Int32(p), block: 0)
        }
        guard config.endgame else { return nil }
        // Endgame: nothing left unrequested; ask for blocks still in flight elsewhere (cancelled on arrival).
        if !inEndgame && allMissingRequested() { inEndgame = true }
        guard inEndgame else { return nil }
        for k in partials.indices where neighbors[i].have[Int(partials[k].piece)] {
            let p = partials[k].piece
            for b in partials[k].blocks.indices where partials[k].blocks[b] > 0 && partials[k].blocks[b] < 255
                && !neighbors[i].outstanding.contains(Block(piece: p, block: Int32(b))) {
                partials[k].blocks[b] = min(254, partials[k].blocks[b] + 1)
                return Block(piece: p, block: Int32(b))
            }
        }
        return nil
    }

    func allMissingRequested() -> Bool {
        partials.count + haveCount == config.torrent.pieceCount && partials.allSatisfy { !$0.blocks.contains(0) }
    }

    /// Chooses a piece neighbour `i` has, we lack, and nobody is fetching yet (scanning 64 pieces a word).
    func pickNewPiece(for i: Int, random: inout SimRandom) -> Int? {
        var chosen: Int?
        var ties = 0
        var best = Int.max
        let selection = config.selection
        let byRarity = selection == .rarestFirst && haveCount >= config.randomFirstPieces
        neighbors[i].have.forEach(notIn: haveBits, notIn: inProgress) { p in
            switch selection {
            case .inOrder:
                chosen = p
                return false
            case .random, .rarestFirst:
                let key = byRarity ? Int(availability[p]) : 0
                if key < best {
                    best = key; chosen = p; ties = 1
                } else if key == best {
                    // Reservoir sampling: each tied piece is equally likely.
                    ties += 1
                    if random.next() % UInt64(ties) == 0 { chosen = p }
                }
                return true
            }
        }
        return chosen
    }

    func partialIndex(_ piece: Int32) -> Int? { partials.firstIndex { $0.piece == piece } }

    /// Returns a requested block to the pool (its request was lost with a choke or a closed connection).
    mutating func release(_ b: Block) {
        guard let k = partialIndex(b.piece), partials[k].blocks[Int(b.block)] > 0, partials[k].blocks[Int(b.block)] < 255 else { return }
        partials[k].blocks[Int(b.block)] -= 1
    }

    mutating func receiveBlock(_ b: Block, length: Int, at i: Int, _ io: inout HostIO<BTMessage>) {
        let id = neighbors[i].id
        neighbors[i].downloaded += Int64(length)
        neighbors[i].lastBlockAt = io.now
        if let j = neighbors[i].outstanding.firstIndex(of: b) { neighbors[i].outstanding.remove(at: j) }
        stats.bytesDownloaded += Int64(length)
        guard let k = partialIndex(b.piece), partials[k].blocks[Int(b.block)] != 255 else {
            stats.blocksDuplicated += 1
            requestMore(at: i, &io)
            return
        }
        let wasRequestedElsewhere = partials[k].blocks[Int(b.block)] > 1
        partials[k].blocks[Int(b.block)] = 255
        partials[k].received += 1
        if wasRequestedElsewhere {
            // Endgame: cancel the same block at everyone else.
            for o in neighbors.items.indices where o != i {
                guard let j = neighbors[o].outstanding.firstIndex(of: b) else { continue }
                neighbors[o].outstanding.remove(at: j)
                send(.cancel(piece: b.piece, block: b.block), on: neighbors[o].id, &io)
            }
        }
        if partials[k].received == partials[k].blocks.count {
            partials.remove(at: k)
            inProgress[Int(b.piece)] = false
            completePiece(Int(b.piece), &io)
        }
        requestMore(id, &io)
    }

    mutating func completePiece(_ p: Int, _ io: inout HostIO<BTMessage>) {
        have[p] = true
        haveBits[p] = true
        haveCount += 1
        if stats.firstPieceAt == nil { stats.firstPieceAt = io.now }
        var i = 0
        while i < neighbors.count {
            // HAVE goes only to neighbours that lack the piece (libtorrent's `send_redundant_have = false`):
            // one that has it is not interested in it and never needs its rarity, so nothing it decides
            // changes, and a swarm of seeds is spared most of its messages.
            if neighbors[i].have[p] { neighbors[i].interesting -= 1 } else { send(.have(piece: Int32(p)), on: neighbors[i].id, &io) }
            if neighbors[i].amInterested && neighbors[i].interesting == 0 { updateInterest(at: i, &io) }
            i += 1
        }
        if isComplete { completed(&io) }
    }

    mutating func completed(_ io: inout HostIO<BTMessage>) {
        stats.completedAt = io.now
        if let since = chokedSince { stats.timeChoked = stats.timeChoked + (io.now - since); chokedSince = nil }
        phase = .seeding
        inEndgame = false
        io.log("bt.complete", [LogField("pieces", config.torrent.pieceCount)])
        announce(.completed, &io)
        var i = 0
        while i < neighbors.count { updateInterest(at: i, &io); i += 1 }
        scheduleLeaveIfNeeded(&io)
    }

    mutating func scheduleLeaveIfNeeded(_ io: inout HostIO<BTMessage>) {
        switch config.seeding {
        case .leave: depart(&io)
        case .stay(let d): io.setTimer(Self.leaveTimer, after: d)
        case .forever: break
        }
    }

    /// Leaves the swarm: announce `stopped`, close every connection, stop listening.
    mutating func depart(_ io: inout HostIO<BTMessage>) {
        guard phase != .departed else { return }
        announce(.stopped, &io)
        for n in neighbors.items { io.close(n.id) }
        neighbors.removeAll()
        io.stopListening(on: config.port)
        phase = .departed
        stats.departedAt = io.now
        io.log("bt.leave", [LogField("complete", isComplete ? 1 : 0)])
    }

    // MARK: Choking

    /// Before this peer's first rechoke, a newly interested neighbour is unchoked at once if an upload slot
    /// is free, so a swarm does not sit idle until the first 10 s boundary; from then on only rechokes decide.
    mutating func unchokeIfSlotFree(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard rechokes == 0, !config.freeRider, phase != .departed, let i = neighbors.index(of: id),
              neighbors[i].amChoking, neighbors[i].handshaken else { return }
        var open = 0
        for n in neighbors.items where !n.amChoking { open += 1 }
        guard open < config.uploadSlots + (config.optimisticUnchoke ? 1 : 0) else { return }
        neighbors[i].amChoking = false
        send(.unchoke, on: id, &io)
    }

    /// BEP 3: "newly connected peers are three times as likely to start as the current optimistic unchoke as
    /// anywhere else in the rotation". When a connection under a minute old first shows interest, it enters
    /// the rotation: against weight 1 for each other choked, interested neighbour, with weight 3 it becomes
    /// the optimistic unchoke at once, as the mainline client's rechoke on a new connection does. The one it
    /// replaces is choked (unless it holds a rate slot), and the change is recorded as a rechoke of its own.
    mutating func enterOptimisticRotation(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard config.optimisticUnchoke, !config.freeRider, rechokes > 0, phase != .departed,
              let i = neighbors.index(of: id), !neighbors[i].enteredRotation else { return }
        neighbors[i].enteredRotation = true
        guard neighbors[i].amChoking, neighbors[i].handshaken, io.now - neighbors[i].connectedAt < .seconds(60) else { return }
        var others: UInt64 = 0
        for n in neighbors.items where n.amChoking && n.peerInterested && n.id != id { others += 1 }
        guard io.random.next() % (others + 3) < 3 else { return }
        var unchoked = history.last?.unchoked ?? []
        if let o = optimistic, let j = neighbors.index(of: o),
           let k = unchoked.firstIndex(where: { $0.peer == neighbors[j].peer && $0.reason == .optimistic }) {
            unchoked.remove(at: k)
            neighbors[j].amChoking = true
            neighbors[j].queued.removeAll()
            send(.choke, on: o, &io)
        }
        optimistic = id
        neighbors[i].amChoking = false
        send(.unchoke, on: id, &io)
        // The last record's entries that still hold (neighbours that left since, or from before a crash, go).
        unchoked.removeAll { e in !neighbors.items.contains { $0.peer == e.peer && !$0.amChoking } }
        unchoked.append(UnchokeEntry(peer: neighbors[i].peer, reason: .optimistic, downRate: 0, upRate: 0))
        let chokedInterested = neighbors.items.reduce(0) { $0 + ($1.amChoking && $1.peerInterested ? 1 : 0) }
        let record = ChokeRecord(round: rechokes, time: io.now, unchoked: unchoked, chokedInterested: chokedInterested,
                                 snubbed: history.last?.snubbed ?? [], seeding: isComplete, freeRiding: false)
        keep(record)
    }

    /// Every decision below runs over neighbour indices, which are in connection-id order (the order of
    /// the sorted ids this used to build), so ties, random draws and records come out the same.
    mutating func rechoke(_ io: inout HostIO<BTMessage>) {
        rechokes += 1
        connectMore(&io)
        let window = Double(config.rechokeInterval.nanoseconds) * 2 / 1e9
        let count = neighbors.count
        var down = [Double](repeating: 0, count: count), up = [Double](repeating: 0, count: count)
        var interested: [Int] = []
        for i in 0..<count {
            // Field by field, in place: copying a whole neighbour would retain its arrays.
            let downloaded = neighbors[i].downloaded, uploaded = neighbors[i].uploaded
            let downMarks = neighbors[i].downMarks, upMarks = neighbors[i].upMarks
            down[i] = Double(downloaded - downMarks.1) / window
            up[i] = Double(uploaded - upMarks.1) / window
            neighbors[i].downMarks = (downloaded, downMarks.0)
            neighbors[i].upMarks = (uploaded, upMarks.0)
            if neighbors[i].peerInterested && neighbors[i].handshaken { interested.append(i) }
        }
        let seeding = isComplete
        var unchoke = [UnchokeReason?](repeating: nil, count: count)
        var snubbed: [Int] = []
        if !config.freeRider {
            // A random order first, so equal rates are broken fairly (and deterministically, by our own stream).
            var order = interested
            for i in order.indices.reversed() where i > 0 { order.swapAt(i, Int(io.random.next() % UInt64(i + 1))) }
            if seeding && config.seedChoking == .roundRobin {
                if !order.isEmpty {
                    for k in 0..<min(config.uploadSlots, interested.count) {
                        unchoke[interested[(roundRobinCursor + k) % interested.count]] = .roundRobin
                    }
                    roundRobinCursor = (roundRobinCursor + config.uploadSlots) % max(1, interested.count)
                }
            } else {
                if !seeding {
                    let now = io.now, timeout = config.snubTimeout
                    snubbed = order.filter { now - neighbors[$0].lastBlockAt > timeout && now - neighbors[$0].connectedAt > timeout }
                }
                let rate = seeding ? up : down
                let ranked = (snubbed.isEmpty ? order : order.filter { !snubbed.contains($0) }).sorted { rate[$0] > rate[$1] }
                for (rank, i) in ranked.prefix(config.uploadSlots).enumerated() {
                    unchoke[i] = .rate(rank: rank + 1, bytesPerSecond: rate[i])
                }
            }
            if config.optimisticUnchoke {
                let current = optimistic.flatMap { neighbors.index(of: $0) }
                let stale = optimistic == nil || current.map { unchoke[$0] != nil || !neighbors[$0].peerInterested } ?? true
                if stale || rechokes % config.optimisticEvery == 1 {
                    // New connections (under a minute old) are three times as likely to be picked.
                    var pool: [Int] = []
                    for i in interested where unchoke[i] == nil {
                        let young = io.now - neighbors[i].connectedAt < .seconds(60)
                        pool.append(contentsOf: repeatElement(i, count: young ? 3 : 1))
                    }
                    optimistic = pool.isEmpty ? nil : neighbors[pool[Int(io.random.next() % UInt64(pool.count))]].id
                }
                if let o = optimistic, let i = neighbors.index(of: o), unchoke[i] == nil { unchoke[i] = .optimistic }
            }
        }
        var entries: [UnchokeEntry] = []
        var chokedInterested = 0
        for i in 0..<count {
            let open = unchoke[i] != nil
            if open == neighbors[i].amChoking {
                neighbors[i].amChoking = !open
                // BEP 3: a choke discards the requests they had queued with us.
                if !open { neighbors[i].queued.removeAll() }
                send(open ? .unchoke : .choke, on: neighbors[i].id, &io)
            }
            if let reason = unchoke[i] {
                entries.append(UnchokeEntry(peer: neighbors[i].peer, reason: reason, downRate: down[i], upRate: up[i]))
            } else if neighbors[i].peerInterested {
                chokedInterested += 1
            }
        }
        entries.sort {
            switch ($0.reason, $1.reason) {
            case (.rate(let a, _), .rate(let b, _)): return a < b
            case (.rate, _): return true
            case (_, .rate): return false
            default: return $0.peer < $1.peer
            }
        }
        let record = ChokeRecord(round: rechokes, time: io.now, unchoked: entries, chokedInterested: chokedInterested,
                                 snubbed: snubbed.map { neighbors[$0].peer }, seeding: seeding, freeRiding: config.freeRider)
        keep(record)
    }

    /// Appends a rechoke record, dropping the oldest beyond `historyLength`.
    mutating func keep(_ record: ChokeRecord) {
        if history.count == config.historyLength { history.removeFirst() }
        history.append(record)
    }

    // MARK: Crash

    mutating func crash() {
        // Volatile state is lost; pieces on disk survive.
        partials = []
        inProgress.removeAll()
        neighbors.removeAll()
        pending = 0
        candidates = []
        dialledAt = [:]
        optimistic = nil
        unchokedBy = 0
        inEndgame = false
        uploadTurns = []
        uploadTimerArmed = false
        for i in availability.indices { availability[i] = 0 }
        if phase != .departed { phase = .idle }
        if !isComplete { chokedSince = nil }
    }
}

extension Array {
    /// Removes the element at `i` by moving the last element into its place (O(1), order not kept).
    mutating func swapRemoveAt(_ i: Int) -> Element {
        swapAt(i, count - 1)
        return removeLast()
    }
}
