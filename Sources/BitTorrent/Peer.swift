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
    public var reason: UnchokeReason
    /// Download rate from it and upload rate to it over the last 20 s, bytes per second.
    public var downRate: Double
    public var upRate: Double
}

/// Everything decided in one rechoke (every 10 s): who is unchoked and why.
public struct ChokeRecord: Sendable, Hashable {
    public var round: Int
    public var time: SimTime
    public var unchoked: [UnchokeEntry]
    /// Interested neighbours that stayed choked.
    public var chokedInterested: [UInt32]
    /// Neighbours considered snubbing us (no data for 60 s): excluded from the rate-based slots.
    public var snubbed: [UInt32]
    /// Whether this peer was seeding (choosing by upload rate or round-robin) or a free-rider (unchoking nobody).
    public var seeding: Bool
    public var freeRiding: Bool
}

/// Bytes given to and received from one neighbour: the reciprocity ledger.
public struct LedgerEntry: Sendable, Hashable {
    public var peer: UInt32
    public var uploaded: Int64
    public var downloaded: Int64
    public var amChoking: Bool
    public var peerChoking: Bool
    public var amInterested: Bool
    public var peerInterested: Bool
}

/// What a peer measured about itself.
public struct PeerStats: Sendable, Hashable {
    public var joinedAt: SimTime?
    public var completedAt: SimTime?
    /// When the first piece was complete (how fast a newcomer got started).
    public var firstPieceAt: SimTime?
    public var departedAt: SimTime?
    public var bytesUploaded: Int64 = 0
    public var bytesDownloaded: Int64 = 0
    /// Time spent incomplete with no neighbour unchoking us.
    public var timeChoked = SimDuration.zero
    public var connectsInitiated = 0
    public var connectsFailed = 0
    public var connectionsAccepted = 0
    public var blocksDuplicated = 0
    public var announces = 0
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
/// are snubbed out of the rate slots. Every rechoke is recorded with its reasons.
public struct BTPeer: HostApplication, Sendable {
    public typealias Payload = BTMessage

    /// Live commands (from the dashboard's `:` line or a timeline).
    public enum Command: Sendable, Hashable, CustomStringConvertible {
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

    public struct Config: Sendable, Hashable {
        public var torrent: TorrentInfo
        /// The tracker's endpoint (nil: no tracker; peers must come another way).
        public var tracker: Endpoint?
        public var port: UInt16 = 6881
        public var startAsSeed = false
        public var selection: PieceSelection = .rarestFirst
        /// Pieces chosen at random before rarest-first takes over.
        public var randomFirstPieces = 4
        public var endgame = true
        /// Outstanding block requests per connection.
        public var pipeline = 5
        public var maxConnections = 50
        public var numwant = 50
        /// Rate-based upload slots (mainline: 3) — plus one optimistic.
        public var uploadSlots = 3
        public var optimisticUnchoke = true
        public var rechokeInterval: SimDuration = .seconds(10)
        /// Rechokes between optimistic rotations (3 × 10 s = 30 s).
        public var optimisticEvery = 3
        public var snubTimeout: SimDuration = .seconds(60)
        public var seedChoking: SeedChoking = .uploadRate
        public var seeding: SeedingPolicy = .forever
        public var freeRider = false
        /// Rechoke records kept (the dashboard's history strip).
        public var historyLength = 64

        public init(torrent: TorrentInfo, tracker: Endpoint?) { self.torrent = torrent; self.tracker = tracker }
    }

    /// Where this peer is in its life.
    public enum Phase: String, Sendable, Hashable { case idle, leeching, seeding, departed }

    struct Neighbor: Sendable, Hashable {
        var id: ConnectionID
        var remote: Endpoint
        var peer: UInt32 = .max
        var handshaken = false
        var have: BitArray
        var haveCount = 0
        /// Pieces they have that we lack.
        var interesting = 0
        var amChoking = true, amInterested = false, peerChoking = true, peerInterested = false
        var outstanding: [Block] = []
        var downloaded: Int64 = 0, uploaded: Int64 = 0
        /// `downloaded`/`uploaded` at the last two rechokes (10 s and 20 s ago).
        var downMarks: (Int64, Int64) = (0, 0), upMarks: (Int64, Int64) = (0, 0)
        var connectedAt: SimTime
        var lastBlockAt: SimTime
        var initiator: Bool

        static func == (a: Neighbor, b: Neighbor) -> Bool { a.id == b.id && a.downloaded == b.downloaded && a.uploaded == b.uploaded && a.have == b.have }
        func hash(into h: inout Hasher) { h.combine(id) }
    }

    struct Block: Sendable, Hashable { var piece: Int32; var block: Int32 }

    /// Per-block state of a piece being downloaded: 0 free, 1…254 outstanding requests, 255 received.
    struct Partial: Sendable, Hashable {
        var blocks: [UInt8]
        var received = 0
    }

    public var config: Config
    public private(set) var phase: Phase = .idle
    /// Pieces held (persist across a crash: they are on disk).
    public private(set) var have: BitArray
    public private(set) var haveCount = 0
    /// How many neighbours have each piece (rarity), kept incrementally.
    public private(set) var availability: [UInt16]
    var partial: [Int32: Partial] = [:]
    var partialOrder: [Int32] = []
    var neighbors: [ConnectionID: Neighbor] = [:]
    var pending = 0
    var candidates: [Endpoint] = []
    var tried: Set<Endpoint> = []
    var optimistic: ConnectionID?
    var roundRobinCursor = 0
    var unchokedBy = 0
    var chokedSince: SimTime?
    public private(set) var rechokes = 0
    public private(set) var stats = PeerStats()
    /// The latest rechoke records, oldest first.
    public private(set) var history: Deque<ChokeRecord> = []
    public var inEndgame = false

    static let rechokeTimer: UInt64 = 1, announceTimer: UInt64 = 2, leaveTimer: UInt64 = 3
    /// Timers cannot be cancelled, so the announce timer carries a generation in bits 8…47 (the top byte
    /// stays clear for embedders' tokens); a timer whose generation is not the latest is ignored.
    var announceTimerGeneration: UInt64 = 0
    static func announceToken(_ generation: UInt64) -> UInt64 { announceTimer | (generation & 0xFF_FFFF_FFFF) << 8 }

    mutating func setAnnounceTimer(after delay: SimDuration, _ io: inout HostIO<BTMessage>) {
        announceTimerGeneration &+= 1
        io.setTimer(Self.announceToken(announceTimerGeneration), after: delay)
    }

    public init(config: Config) {
        self.config = config
        let n = config.torrent.pieceCount
        have = BitArray(repeating: config.startAsSeed, count: n)
        haveCount = config.startAsSeed ? n : 0
        availability = Array(repeating: 0, count: n)
    }

    public var isComplete: Bool { haveCount == config.torrent.pieceCount }
    /// Fraction of the file held, 0…1.
    public var progress: Double { Double(haveCount) / Double(max(1, config.torrent.pieceCount)) }
    public var connectionCount: Int { neighbors.count }
    /// Pieces being downloaded (some blocks requested or received).
    public var piecesInProgress: [Int] { partialOrder.map(Int.init) }

    /// Download and upload rates over roughly the last 20 s (since the rechoke before last), bytes per second.
    public var recentRates: (down: Double, up: Double) {
        let window = Double(config.rechokeInterval.nanoseconds) * 2 / 1e9
        var down: Int64 = 0, up: Int64 = 0
        for n in neighbors.values { down += n.downloaded - n.downMarks.1; up += n.uploaded - n.upMarks.1 }
        return (Double(down) / window, Double(up) / window)
    }

    /// Neighbours currently considered snubbing us (no block for `snubTimeout`), by peer id.
    public func snubbedPeers(at now: SimTime) -> Set<UInt32> {
        Set(neighbors.values.filter { now - $0.lastBlockAt > config.snubTimeout && now - $0.connectedAt > config.snubTimeout }.map(\.peer))
    }

    /// The reciprocity ledger, by peer id.
    public var ledger: [LedgerEntry] {
        neighbors.values.sorted { $0.id < $1.id }.map {
            LedgerEntry(peer: $0.peer, uploaded: $0.uploaded, downloaded: $0.downloaded, amChoking: $0.amChoking,
                        peerChoking: $0.peerChoking, amInterested: $0.amInterested, peerInterested: $0.peerInterested)
        }
    }

    // MARK: Events

    public mutating func handle(_ event: AppEvent<BTMessage>, io: inout HostIO<BTMessage>) {
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
            default:
                // Only the latest announce timer counts: an answer re-arms it, so the one-minute retry
                // set with the request must not fire a second announce stream.
                if token == Self.announceToken(announceTimerGeneration) { announce(.none, &io) }
            }
        case .datagram(_, _, let message, _):
            if case .announceReply(let interval, let peers, _, _) = message { announceReply(interval: interval, peers: peers, &io) }
        case .connected(let id, let remote):
            pending = max(0, pending - 1)
            addNeighbor(id, remote: remote, initiator: true, &io)
        case .connectFailed:
            pending = max(0, pending - 1)
            stats.connectsFailed += 1
        case .accepted(let id, let remote, _):
            guard neighbors.count + pending < config.maxConnections else { io.close(id); return }
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
        addPeers(peers, from: .tracker, io: &io)
    }

    /// Where a peer address came from.
    public enum PeerSource: Sendable, Hashable { case tracker, dht }

    /// Adds peer addresses learnt from the tracker or the DHT (own address and known ones skipped) and
    /// connects to them up to the connection cap.
    public mutating func addPeers(_ peers: [Endpoint], from source: PeerSource, io: inout HostIO<BTMessage>) {
        guard phase == .leeching || phase == .seeding else { return }
        for p in peers where !tried.contains(p) && !candidates.contains(p) {
            candidates.append(p)
            switch source {
            case .tracker: stats.peersFromTracker += 1
            case .dht: stats.peersFromDHT += 1
            }
        }
        connectMore(&io)
    }

    /// True while the peer is in the swarm and has room for more connections than it knows addresses for.
    public var wantsPeers: Bool {
        (phase == .leeching || phase == .seeding) && candidates.isEmpty && neighbors.count + pending < config.maxConnections
    }

    /// True while the peer takes part in the swarm (started, not departed).
    public var isActive: Bool { phase == .leeching || phase == .seeding }

    /// Opens connections to known peers until the connection cap (in random order).
    mutating func connectMore(_ io: inout HostIO<BTMessage>) {
        while neighbors.count + pending < config.maxConnections, !candidates.isEmpty {
            let i = Int(io.random.next() % UInt64(candidates.count))
            let target = candidates.swapRemoveAt(i)
            tried.insert(target)
            pending += 1
            stats.connectsInitiated += 1
            _ = io.connect(to: target)
        }
    }

    mutating func addNeighbor(_ id: ConnectionID, remote: Endpoint, initiator: Bool, _ io: inout HostIO<BTMessage>) {
        tried.insert(remote)
        neighbors[id] = Neighbor(id: id, remote: remote, have: BitArray(repeating: false, count: config.torrent.pieceCount),
                                 connectedAt: io.now, lastBlockAt: io.now, initiator: initiator)
        send(.handshake(infoHash: config.torrent.infoHash, peer: UInt32(io.host)), on: id, &io)
        if haveCount > 0 { send(.bitfield(have), on: id, &io) }
    }

    mutating func removeNeighbor(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard let n = neighbors.removeValue(forKey: id) else { return }
        if n.haveCount > 0 {
            for p in 0..<config.torrent.pieceCount where n.have[p] { availability[p] &-= 1 }
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
        guard var n = neighbors[id] else { return }
        switch message {
        case .handshake(let hash, let peer):
            // A different torrent, or ourselves (our own address came back from the tracker or the DHT).
            guard hash == config.torrent.infoHash, peer != UInt32(io.host) else {
                if let n = neighbors[id], !n.peerChoking { unchokedByChanged(-1, io.now) }
                neighbors[id] = nil
                io.close(id)
                return
            }
            // One connection per peer: when both sides dialled each other, the one opened by the lower
            // peer id is kept (both ends apply the same rule, so they agree).
            if let other = neighbors.values.first(where: { $0.peer == peer && $0.id != id }) {
                let keepOther = (other.initiator ? UInt32(io.host) : peer) < (n.initiator ? UInt32(io.host) : peer)
                let drop = keepOther ? id : other.id
                removeNeighbor(drop, &io)
                io.close(drop)
                if drop == id { return }
            }
            n.handshaken = true
            n.peer = peer
            neighbors[id] = n
        case .bitfield(let bits):
            guard bits.count == config.torrent.pieceCount else { return }
            var count = 0, interesting = 0
            for p in 0..<bits.count where bits[p] && !n.have[p] {
                count += 1
                availability[p] &+= 1
                if !have[p] { interesting += 1 }
            }
            n.have = bits
            n.haveCount += count
            n.interesting += interesting
            neighbors[id] = n
            updateInterest(id, &io)
        case .have(let piece):
            let p = Int(piece)
            guard p >= 0, p < config.torrent.pieceCount, !n.have[p] else { return }
            n.have[p] = true
            n.haveCount += 1
            availability[p] &+= 1
            if !have[p] { n.interesting += 1 }
            neighbors[id] = n
            updateInterest(id, &io)
        case .interested:
            n.peerInterested = true
            neighbors[id] = n
            unchokeIfSlotFree(id, &io)
        case .notInterested:
            n.peerInterested = false
            neighbors[id] = n
        case .choke:
            guard !n.peerChoking else { return }
            n.peerChoking = true
            let lost = n.outstanding
            n.outstanding = []
            neighbors[id] = n
            for b in lost { release(b) }
            unchokedByChanged(-1, io.now)
        case .unchoke:
            guard n.peerChoking else { return }
            n.peerChoking = false
            neighbors[id] = n
            unchokedByChanged(+1, io.now)
            requestMore(id, &io)
        case .request(let piece, let block):
            let p = Int(piece)
            guard !n.amChoking, !config.freeRider, p >= 0, p < config.torrent.pieceCount, have[p],
                  block >= 0, Int(block) < config.torrent.blockCount(p) else { return }
            let length = config.torrent.blockSize(p, Int(block))
            n.uploaded += Int64(length)
            neighbors[id] = n
            stats.bytesUploaded += Int64(length)
            send(.piece(piece: piece, block: block, length: Int32(length)), on: id, &io)
        case .piece(let piece, let block, let length):
            receiveBlock(Block(piece: piece, block: block), length: Int(length), from: id, &io)
        case .cancel:
            break  // blocks are handed to the uplink as soon as they are requested
        default:
            break
        }
    }

    mutating func updateInterest(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard var n = neighbors[id] else { return }
        let want = n.interesting > 0 && phase == .leeching
        if want != n.amInterested {
            n.amInterested = want
            neighbors[id] = n
            send(want ? .interested : .notInterested, on: id, &io)
        }
        if want && !n.peerChoking { requestMore(id, &io) }
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

    // MARK: Downloading

    mutating func requestMore(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard var n = neighbors[id], n.amInterested, !n.peerChoking else { return }
        while n.outstanding.count < config.pipeline, let b = pickBlock(for: n, random: &io.random) {
            n.outstanding.append(b)
            send(.request(piece: b.piece, block: b.block), on: id, &io)
        }
        neighbors[id] = n
    }

    /// The next block to ask `n` for, marking it requested: a started piece first (strict priority), then a
    /// new piece by the selection policy, then (endgame) a block already requested from someone else.
    mutating func pickBlock(for n: Neighbor, random: inout SimRandom) -> Block? {
        for p in partialOrder where n.have[Int(p)] {
            if var part = partial[p], let b = part.blocks.firstIndex(of: 0) {
                part.blocks[b] = 1
                partial[p] = part
                return Block(piece: p, block: Int32(b))
            }
        }
        if let p = pickNewPiece(for: n, random: &random) {
            var part = Partial(blocks: Array(repeating: 0, count: config.torrent.blockCount(p)))
            part.blocks[0] = 1
            partial[Int32(p)] = part
            partialOrder.append(Int32(p))
            return Block(piece: Int32(p), block: 0)
        }
        guard config.endgame else { return nil }
        // Endgame: nothing left unrequested; ask for blocks still in flight elsewhere (cancelled on arrival).
        if !inEndgame && allMissingRequested() { inEndgame = true }
        guard inEndgame else { return nil }
        for p in partialOrder where n.have[Int(p)] {
            guard var part = partial[p] else { continue }
            for b in part.blocks.indices where part.blocks[b] > 0 && part.blocks[b] < 255
                && !n.outstanding.contains(Block(piece: p, block: Int32(b))) {
                part.blocks[b] = min(254, part.blocks[b] + 1)
                partial[p] = part
                return Block(piece: p, block: Int32(b))
            }
        }
        return nil
    }

    func allMissingRequested() -> Bool {
        partial.count + haveCount == config.torrent.pieceCount && partial.values.allSatisfy { !$0.blocks.contains(0) }
    }

    /// Chooses a piece `n` has, we lack, and nobody is fetching yet.
    func pickNewPiece(for n: Neighbor, random: inout SimRandom) -> Int? {
        let count = config.torrent.pieceCount
        var chosen: Int?
        var ties = 0
        var best = Int.max
        let byRarity = config.selection == .rarestFirst && haveCount >= config.randomFirstPieces
        for p in 0..<count where n.have[p] && !have[p] && partial[Int32(p)] == nil {
            switch config.selection {
            case .inOrder:
                return p
            case .random, .rarestFirst:
                let key = byRarity ? Int(availability[p]) : 0
                if key < best {
                    best = key; chosen = p; ties = 1
                } else if key == best {
                    // Reservoir sampling: each tied piece is equally likely.
                    ties += 1
                    if random.next() % UInt64(ties) == 0 { chosen = p }
                }
            }
        }
        return chosen
    }

    /// Returns a requested block to the pool (its request was lost with a choke or a closed connection).
    mutating func release(_ b: Block) {
        guard var part = partial[b.piece], part.blocks[Int(b.block)] > 0, part.blocks[Int(b.block)] < 255 else { return }
        part.blocks[Int(b.block)] -= 1
        partial[b.piece] = part
    }

    mutating func receiveBlock(_ b: Block, length: Int, from id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard var n = neighbors[id] else { return }
        n.downloaded += Int64(length)
        n.lastBlockAt = io.now
        if let i = n.outstanding.firstIndex(of: b) { n.outstanding.remove(at: i) }
        neighbors[id] = n
        stats.bytesDownloaded += Int64(length)
        guard var part = partial[b.piece], part.blocks[Int(b.block)] != 255 else {
            stats.blocksDuplicated += 1
            requestMore(id, &io)
            return
        }
        let wasRequestedElsewhere = part.blocks[Int(b.block)] > 1
        part.blocks[Int(b.block)] = 255
        part.received += 1
        if wasRequestedElsewhere {
            // Endgame: cancel the same block at everyone else.
            for other in neighbors.keys.sorted() where other != id {
                guard var o = neighbors[other], let j = o.outstanding.firstIndex(of: b) else { continue }
                o.outstanding.remove(at: j)
                neighbors[other] = o
                send(.cancel(piece: b.piece, block: b.block), on: other, &io)
            }
        }
        if part.received == part.blocks.count {
            partial[b.piece] = nil
            partialOrder.removeAll { $0 == b.piece }
            completePiece(Int(b.piece), &io)
        } else {
            partial[b.piece] = part
        }
        requestMore(id, &io)
    }

    mutating func completePiece(_ p: Int, _ io: inout HostIO<BTMessage>) {
        have[p] = true
        haveCount += 1
        if stats.firstPieceAt == nil { stats.firstPieceAt = io.now }
        for id in neighbors.keys.sorted() {
            guard var n = neighbors[id] else { continue }
            if n.have[p] { n.interesting -= 1; neighbors[id] = n }
            send(.have(piece: Int32(p)), on: id, &io)
            if n.amInterested && n.interesting == 0 { updateInterest(id, &io) }
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
        for id in neighbors.keys.sorted() { updateInterest(id, &io) }
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
        for id in neighbors.keys.sorted() { io.close(id) }
        neighbors = [:]
        io.stopListening(on: config.port)
        phase = .departed
        stats.departedAt = io.now
        io.log("bt.leave", [LogField("complete", isComplete ? 1 : 0)])
    }

    // MARK: Choking

    /// Before this peer's first rechoke, a newly interested neighbour is unchoked at once if an upload slot
    /// is free, so a swarm does not sit idle until the first 10 s boundary; from then on only rechokes decide.
    mutating func unchokeIfSlotFree(_ id: ConnectionID, _ io: inout HostIO<BTMessage>) {
        guard rechokes == 0, !config.freeRider, phase != .departed, var n = neighbors[id], n.amChoking, n.handshaken else { return }
        let open = neighbors.values.filter { !$0.amChoking }.count
        guard open < config.uploadSlots + (config.optimisticUnchoke ? 1 : 0) else { return }
        n.amChoking = false
        neighbors[id] = n
        send(.unchoke, on: id, &io)
    }

    mutating func rechoke(_ io: inout HostIO<BTMessage>) {
        rechokes += 1
        connectMore(&io)
        let window = Double(config.rechokeInterval.nanoseconds) * 2 / 1e9
        let ids = neighbors.keys.sorted()
        var rates: [ConnectionID: (down: Double, up: Double)] = [:]
        for id in ids {
            guard var n = neighbors[id] else { continue }
            rates[id] = (Double(n.downloaded - n.downMarks.1) / window, Double(n.uploaded - n.upMarks.1) / window)
            n.downMarks = (n.downloaded, n.downMarks.0)
            n.upMarks = (n.uploaded, n.upMarks.0)
            neighbors[id] = n
        }
        let interested = ids.filter { neighbors[$0]?.peerInterested == true && neighbors[$0]?.handshaken == true }
        let seeding = isComplete
        var unchoke: [ConnectionID: UnchokeReason] = [:]
        var snubbed: [ConnectionID] = []
        if !config.freeRider {
            // A random order first, so equal rates are broken fairly (and deterministically, by our own stream).
            var order = interested
            for i in order.indices.reversed() where i > 0 { order.swapAt(i, Int(io.random.next() % UInt64(i + 1))) }
            if seeding && config.seedChoking == .roundRobin {
                if !order.isEmpty {
                    let sortedIDs = interested
                    for k in 0..<min(config.uploadSlots, sortedIDs.count) {
                        unchoke[sortedIDs[(roundRobinCursor + k) % sortedIDs.count]] = .roundRobin
                    }
                    roundRobinCursor = (roundRobinCursor + config.uploadSlots) % max(1, sortedIDs.count)
                }
            } else {
                snubbed = seeding ? [] : order.filter {
                    guard let n = neighbors[$0] else { return false }
                    return io.now - n.lastBlockAt > config.snubTimeout && io.now - n.connectedAt > config.snubTimeout
                }
                let ranked = order.filter { !snubbed.contains($0) }
                    .sorted { (seeding ? rates[$0]?.up ?? 0 : rates[$0]?.down ?? 0) > (seeding ? rates[$1]?.up ?? 0 : rates[$1]?.down ?? 0) }
                for (rank, id) in ranked.prefix(config.uploadSlots).enumerated() {
                    unchoke[id] = .rate(rank: rank + 1, bytesPerSecond: seeding ? rates[id]?.up ?? 0 : rates[id]?.down ?? 0)
                }
            }
            if config.optimisticUnchoke {
                let stale = optimistic.map { id in unchoke[id] != nil || neighbors[id]?.peerInterested != true } ?? true
                if stale || rechokes % config.optimisticEvery == 1 {
                    // New connections (under a minute old) are three times as likely to be picked.
                    var pool: [ConnectionID] = []
                    for id in interested where unchoke[id] == nil {
                        let young = neighbors[id].map { io.now - $0.connectedAt < .seconds(60) } ?? false
                        pool.append(contentsOf: repeatElement(id, count: young ? 3 : 1))
                    }
                    optimistic = pool.isEmpty ? nil : pool[Int(io.random.next() % UInt64(pool.count))]
                }
                if let o = optimistic, unchoke[o] == nil { unchoke[o] = .optimistic }
            }
        }
        var entries: [UnchokeEntry] = []
        var chokedInterested: [UInt32] = []
        for id in ids {
            guard var n = neighbors[id] else { continue }
            let open = unchoke[id] != nil
            if open == n.amChoking {
                n.amChoking = !open
                neighbors[id] = n
                send(open ? .unchoke : .choke, on: id, &io)
            }
            if let reason = unchoke[id] {
                entries.append(UnchokeEntry(peer: n.peer, reason: reason, downRate: rates[id]?.down ?? 0, upRate: rates[id]?.up ?? 0))
            } else if n.peerInterested {
                chokedInterested.append(n.peer)
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
                                 snubbed: snubbed.compactMap { neighbors[$0]?.peer }, seeding: seeding, freeRiding: config.freeRider)
        if history.count == config.historyLength { history.removeFirst() }
        history.append(record)
    }

    // MARK: Crash and commands

    public mutating func crash() {
        // Volatile state is lost; pieces on disk survive.
        partial = [:]
        partialOrder = []
        neighbors = [:]
        pending = 0
        candidates = []
        tried = []
        optimistic = nil
        unchokedBy = 0
        inEndgame = false
        for i in availability.indices { availability[i] = 0 }
        if phase != .departed { phase = .idle }
        if !isComplete { chokedSince = nil }
    }

    public mutating func command(_ command: Command, io: inout HostIO<BTMessage>) {
        switch command {
        case .freeRide(let on): config.freeRider = on
        case .leaveSwarm: depart(&io)
        }
    }

    public static func digest(_ payload: BTMessage) -> UInt64 { payload.digest }
}

extension Array {
    /// Removes the element at `i` by moving the last element into its place (O(1), order not kept).
    mutating func swapRemoveAt(_ i: Int) -> Element {
        swapAt(i, count - 1)
        return removeLast()
    }
}
