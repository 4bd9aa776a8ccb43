public import Network
public import Scenario
public import SimKernel

/// Everything the dashboard shows at one instant of a run: an immutable value, built on the simulation
/// thread after each step and handed to the UI thread, which renders it and never touches the live run.
///
/// The protocol parts (`swarm`, `dht`) are optional: they are nil when the scenario runs no swarm or no
/// DHT, and the views then say so. They are filled by `DashboardSnapshot+BitTorrent.swift` and
/// `DashboardSnapshot+DHT.swift` (see `SnapshotContributors`).
public struct DashboardSnapshot: Sendable {
    /// The scenario's name.
    public var scenario: String
    public var seed: UInt64
    /// Virtual time reached.
    public var time: SimTime
    /// When the run ends.
    public var endTime: SimTime
    public var roundLength: SimDuration
    /// Rounds completed (the current round is `round + 1` until the run is finished).
    public var round: Int
    public var totalRounds: Int
    /// Whether the simulation is running (not paused).
    public var isRunning: Bool
    /// Whether the end of the run was reached.
    public var isFinished: Bool
    public var speed: Speed
    /// Events delivered per second of wall-clock time, averaged over the last second (0 when paused).
    public var eventsPerSecond: Double
    /// Events delivered since the start.
    public var eventsDelivered: UInt64
    /// Events scheduled but not yet delivered.
    public var pendingEvents: Int
    /// The run fingerprint so far (16 hex digits).
    public var fingerprint: String
    /// Region names, by region number.
    public var regions: [String]
    /// Every host, by node id.
    public var hosts: [HostSnapshot]
    /// The most recent event-log entries, oldest first.
    public var log: [LogEntry]
    /// Entries recorded since the start (including those no longer kept).
    public var logTotal: Int
    /// What happens next: the event (or injection) a "next event" step would deliver.
    public var nextEvent: NextEventSnapshot?
    /// Injections still to come (the timeline and anything typed at the `:` prompt), in order.
    public var upcoming: [UpcomingInjection]
    /// One row per completed round.
    public var rows: [RoundRow]
    /// The BitTorrent swarm, if the scenario runs one.
    public var swarm: SwarmSnapshot?
    /// The DHT, if the scenario runs one.
    public var dht: DHTSnapshot?
    /// A one-line notice from the simulation (an injection applied, a round restored), with a number
    /// that changes with every new notice so the UI shows each once.
    public var notice: Notice?
    /// Host groups the scenario declares `absent: true`: the reserve that `join` (`join 10 leechers`) draws on.
    public var reserveGroups: [String] = []

    public init(scenario: String, seed: UInt64 = 1, time: SimTime = .zero, endTime: SimTime = .seconds(100),
                roundLength: SimDuration = .seconds(10), round: Int = 0, totalRounds: Int = 10, isRunning: Bool = false,
                isFinished: Bool = false, speed: Speed = .default, eventsPerSecond: Double = 0, eventsDelivered: UInt64 = 0,
                pendingEvents: Int = 0, fingerprint: String = "", regions: [String] = [], hosts: [HostSnapshot] = [],
                log: [LogEntry] = [], logTotal: Int = 0, nextEvent: NextEventSnapshot? = nil, upcoming: [UpcomingInjection] = [],
                rows: [RoundRow] = [], swarm: SwarmSnapshot? = nil, dht: DHTSnapshot? = nil, notice: Notice? = nil) {
        self.scenario = scenario; self.seed = seed; self.time = time; self.endTime = endTime; self.roundLength = roundLength
        self.round = round; self.totalRounds = totalRounds; self.isRunning = isRunning; self.isFinished = isFinished
        self.speed = speed; self.eventsPerSecond = eventsPerSecond; self.eventsDelivered = eventsDelivered
        self.pendingEvents = pendingEvents; self.fingerprint = fingerprint; self.regions = regions; self.hosts = hosts
        self.log = log; self.logTotal = logTotal; self.nextEvent = nextEvent; self.upcoming = upcoming; self.rows = rows
        self.swarm = swarm; self.dht = dht; self.notice = notice
    }

    /// The host called `name`.
    public func host(named name: String) -> HostSnapshot? { hosts.first { $0.name == name } }

    /// The round the clock is in (1-based), at most the total.
    public var currentRound: Int { min(totalRounds, round + 1) }
}

/// A one-line message for the status area.
public struct Notice: Sendable, Hashable {
    public var id: Int
    public var text: String
    public var isError: Bool
    public init(id: Int, text: String, isError: Bool = false) { self.id = id; self.text = text; self.isError = isError }
}

/// Simulation speed: virtual seconds per wall-clock second, or as fast as possible.
public struct Speed: Sendable, Hashable, CustomStringConvertible {
    /// Index into `Speed.steps`.
    public var index: Int
    public static let steps: [Double?] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 1000, nil]
    public init(index: Int) { self.index = min(max(0, index), Self.steps.count - 1) }
    /// 10× real time: one 10 s round per second.
    public static let `default` = Speed(index: 6)
    /// Virtual seconds per wall second; nil = unlimited.
    public var multiplier: Double? { Self.steps[index] }
    public var faster: Speed { Speed(index: index + 1) }
    public var slower: Speed { Speed(index: index - 1) }
    public var description: String {
        guard let m = multiplier else { return "max" }
        return m < 1 ? "\(Format.decimal(m, places: 2))×" : "\(Int(m))×"
    }
}

// MARK: Network

/// One emulated host as the dashboard shows it.
public struct HostSnapshot: Sendable, Hashable {
    /// Whether the host's application runs, and if not, why.
    public enum Status: String, Sendable, Hashable {
        case running
        /// Crashed (`crash`/`kill`): volatile state lost; `restart` brings it back.
        case crashed
        /// Left gracefully (`leave`).
        case left
        /// Has not joined yet (`absent: true`, or a later join time).
        case absent
    }

    public var id: NodeID
    public var name: String
    public var group: String
    public var region: String
    /// The host's own address (private when behind a NAT).
    public var address: IPv4Address
    /// The address the rest of the Internet sees (its NAT's, or its own).
    public var publicAddress: IPv4Address
    public var nat: NATSnapshot?
    /// False while the access link is down.
    public var linkUp: Bool
    /// Access-link capacities, bits per second.
    public var up: Int64
    public var down: Int64
    /// Access-link one-way latency.
    public var latency: SimDuration
    /// Datagram loss probability of the access link.
    public var loss: Double
    public var status: Status
    /// Partition label: 0 when not cut off; hosts reach each other only with equal labels.
    public var partition: Int
    public var counters: HostCounters
    /// Measured send and receive rates over the last second or so of virtual time, bits per second.
    public var sendRate: Int64
    public var receiveRate: Int64
    /// The application it runs (`ping`, `peer`, `tracker`, `dht`, `idle`…).
    public var app: String
    /// Application facts for the inspector, as label–value pairs.
    public var appDetails: [Field]
    /// Open connections and listening ports.
    public var connections: Int
    public var listening: [UInt16]

    public init(id: NodeID, name: String, group: String, region: String, address: IPv4Address, publicAddress: IPv4Address,
                nat: NATSnapshot? = nil, linkUp: Bool = true, up: Int64, down: Int64, latency: SimDuration = .milliseconds(10),
                loss: Double = 0, status: Status = .running, partition: Int = 0, counters: HostCounters = HostCounters(),
                sendRate: Int64 = 0, receiveRate: Int64 = 0, app: String = "idle", appDetails: [Field] = [],
                connections: Int = 0, listening: [UInt16] = []) {
        self.id = id; self.name = name; self.group = group; self.region = region; self.address = address
        self.publicAddress = publicAddress; self.nat = nat; self.linkUp = linkUp; self.up = up; self.down = down
        self.latency = latency; self.loss = loss; self.status = status; self.partition = partition; self.counters = counters
        self.sendRate = sendRate; self.receiveRate = receiveRate; self.app = app; self.appDetails = appDetails
        self.connections = connections; self.listening = listening
    }

    /// Whether anything about the host is broken (crashed, link down, cut off).
    public var isFailed: Bool { status == .crashed || !linkUp || partition != 0 }
}

/// A label and a value, for inspector panels.
public struct Field: Sendable, Hashable {
    public var label: String
    public var value: String
    public init(_ label: String, _ value: String) { self.label = label; self.value = value }
}

/// A NAT box and its mapping table.
public struct NATSnapshot: Sendable, Hashable {
    /// The preset (`full-cone`, `restricted`, `port-restricted`, `symmetric`), or `custom`.
    public var preset: String
    /// RFC 4787 mapping and filtering behaviour.
    public var mapping: String
    public var filtering: String
    public var mappingTimeout: SimDuration
    public var publicAddress: IPv4Address
    /// Static port forwards, public port → inside endpoint, sorted by port.
    public var forwards: [PortForward]
    /// Live mappings, sorted by public port.
    public var mappings: [NATMappingEntry]
    public var stats: NATStats

    public struct PortForward: Sendable, Hashable {
        public var publicPort: UInt16
        public var inside: Endpoint
        public init(publicPort: UInt16, inside: Endpoint) { self.publicPort = publicPort; self.inside = inside }
    }

    public init(preset: String, mapping: String, filtering: String, mappingTimeout: SimDuration, publicAddress: IPv4Address,
                forwards: [PortForward] = [], mappings: [NATMappingEntry] = [], stats: NATStats = NATStats()) {
        self.preset = preset; self.mapping = mapping; self.filtering = filtering; self.mappingTimeout = mappingTimeout
        self.publicAddress = publicAddress; self.forwards = forwards; self.mappings = mappings; self.stats = stats
    }
}

/// The next thing a "next event" step would do.
public struct NextEventSnapshot: Sendable, Hashable {
    public var time: SimTime
    /// The host it happens at (nil for an injection that names no single host).
    public var host: String?
    /// `arrive`, `deliver`, `timer`, `start`, `command`, `connect-timeout` or `inject`.
    public var kind: String
    /// A one-line description, e.g. `datagram 100.64.0.2:7 → 100.64.0.1:7, 64 B (ping probe #3)`.
    public var summary: String
    public init(time: SimTime, host: String?, kind: String, summary: String) {
        self.time = time; self.host = host; self.kind = kind; self.summary = summary
    }
}

/// An injection waiting on the timeline.
public struct UpcomingInjection: Sendable, Hashable {
    public var time: SimTime
    public var description: String
    public init(time: SimTime, description: String) { self.time = time; self.description = description }
}

// MARK: BitTorrent swarm (filled by DashboardSnapshot+BitTorrent.swift)

/// A fixed-size array of bits, one per piece: which pieces a peer has, or is downloading.
public struct PieceBits: Sendable, Hashable {
    public private(set) var words: [UInt64]
    public let count: Int

    public init(count: Int) {
        self.count = max(0, count)
        words = Array(repeating: 0, count: (self.count + 63) / 64)
    }

    public init(_ bools: [Bool]) {
        self.init(count: bools.count)
        for (i, b) in bools.enumerated() where b { self[i] = true }
    }

    /// Builds from 64-bit words, bit `i % 64` of word `i / 64` being piece `i` (extra bits are cleared).
    public init(words: [UInt64], count: Int) {
        self.count = max(0, count)
        var w = Array(words.prefix((self.count + 63) / 64))
        while w.count < (self.count + 63) / 64 { w.append(0) }
        if self.count % 64 != 0, let last = w.indices.last { w[last] &= (1 << UInt64(self.count % 64)) - 1 }
        self.words = w
    }

    public subscript(i: Int) -> Bool {
        get { i >= 0 && i < count && words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
        set {
            guard i >= 0, i < count else { return }
            if newValue { words[i >> 6] |= 1 << UInt64(i & 63) } else { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
        }
    }

    /// Pieces set.
    public var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Pieces set in `range` (clamped to the valid pieces).
    public func setCount(in range: Range<Int>) -> Int {
        let lo = max(0, range.lowerBound), hi = min(count, range.upperBound)
        guard lo < hi else { return 0 }
        var total = 0
        var i = lo
        while i < hi {
            let w = i >> 6, bit = i & 63
            let take = min(64 - bit, hi - i)
            let mask: UInt64 = take == 64 ? ~0 : ((1 << UInt64(take)) - 1) << UInt64(bit)
            total += (words[w] & mask).nonzeroBitCount
            i += take
        }
        return total
    }

    public static func full(_ count: Int) -> PieceBits {
        PieceBits(words: Array(repeating: ~0, count: (count + 63) / 64), count: count)
    }
}

/// A BitTorrent swarm: its peers, what they hold, and the choking decisions.
public struct SwarmSnapshot: Sendable, Hashable {
    /// The torrent's name.
    public var name: String
    public var pieceCount: Int
    /// Bytes per piece, and the whole file.
    public var pieceLength: Int64
    public var fileSize: Int64
    /// Every peer that has been in the swarm (departed ones too), in peer-id order.
    public var peers: [PeerSnapshot]
    /// How many present peers hold each piece (`count == pieceCount`): the rarity the picker uses.
    public var availability: [Int]
    public var tracker: TrackerSnapshot?
    /// The rechoke period (10 s in the mainline client).
    public var chokeInterval: SimDuration

    public init(name: String, pieceCount: Int, pieceLength: Int64, fileSize: Int64, peers: [PeerSnapshot],
                availability: [Int], tracker: TrackerSnapshot? = nil, chokeInterval: SimDuration = .seconds(10)) {
        self.name = name; self.pieceCount = pieceCount; self.pieceLength = pieceLength; self.fileSize = fileSize
        self.peers = peers; self.availability = availability; self.tracker = tracker; self.chokeInterval = chokeInterval
    }

    public func peer(named name: String) -> PeerSnapshot? { peers.first { $0.name == name } }
}

/// The tracker's health and what it knows.
public struct TrackerSnapshot: Sendable, Hashable {
    public var host: String
    public var isUp: Bool
    /// Peers in its table (lost on a crash), and scrape counts.
    public var knownPeers: Int
    public var seeders: Int
    public var leechers: Int
    public var completed: Int
    /// Announces answered since the start.
    public var announces: Int
    public init(host: String, isUp: Bool, knownPeers: Int, seeders: Int, leechers: Int, completed: Int, announces: Int) {
        self.host = host; self.isUp = isUp; self.knownPeers = knownPeers; self.seeders = seeders
        self.leechers = leechers; self.completed = completed; self.announces = announces
    }
}

/// One peer of a swarm.
public struct PeerSnapshot: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Holds every piece.
        case seed
        /// Downloading, and uploading to the peers it unchokes.
        case leecher
        /// Downloads but never uploads.
        case freeRider = "free-rider"
        /// Has left the swarm (or crashed).
        case departed
    }

    /// The host name (`peer-7`).
    public var name: String
    public var state: State
    /// Pieces held, and pieces with requests outstanding.
    public var have: PieceBits
    public var downloading: PieceBits
    /// Upload and download rates over the last 20 s (what the choker ranks by), bits per second.
    public var upRate: Int64
    public var downRate: Int64
    /// Bytes uploaded and downloaded since it joined.
    public var uploaded: Int64
    public var downloaded: Int64
    /// The NAT preset in front of it (nil: public address).
    public var nat: String?
    /// Whether other peers can open connections to it (public, or a forwarded port).
    public var connectable: Bool
    /// Peers it has a connection with.
    public var neighbours: Int
    /// When it finished downloading, if it did.
    public var completedAt: SimTime?
    /// Its choker's decisions and the reciprocity ledger.
    public var choke: ChokeSnapshot?
    /// Peer addresses it learnt from the tracker and from the DHT (how it keeps finding peers when the
    /// tracker is down).
    public var peersFromTracker = 0
    public var peersFromDHT = 0

    public init(name: String, state: State, have: PieceBits, downloading: PieceBits? = nil, upRate: Int64 = 0,
                downRate: Int64 = 0, uploaded: Int64 = 0, downloaded: Int64 = 0, nat: String? = nil, connectable: Bool = true,
                neighbours: Int = 0, completedAt: SimTime? = nil, choke: ChokeSnapshot? = nil) {
        self.name = name; self.state = state; self.have = have
        self.downloading = downloading ?? PieceBits(count: have.count)
        self.upRate = upRate; self.downRate = downRate; self.uploaded = uploaded; self.downloaded = downloaded
        self.nat = nat; self.connectable = connectable; self.neighbours = neighbours; self.completedAt = completedAt
        self.choke = choke
    }

    /// Fraction of the pieces held, 0…1.
    public var progress: Double { have.count == 0 ? 0 : Double(have.setCount) / Double(have.count) }
}

/// A peer's choker: its recent rechoke decisions (oldest first) and what it exchanged with each neighbour.
public struct ChokeSnapshot: Sendable, Hashable {
    public var rounds: [ChokeDecision]
    public var ledger: [LedgerEntry]
    public init(rounds: [ChokeDecision], ledger: [LedgerEntry]) { self.rounds = rounds; self.ledger = ledger }
    /// The latest decision.
    public var current: ChokeDecision? { rounds.last }
}

/// One rechoke: whom a peer unchoked, and why.
public struct ChokeDecision: Sendable, Hashable {
    /// The round (1-based) and the time of the rechoke.
    public var round: Int
    public var time: SimTime
    /// True when the peer was a seed (it then ranks by upload rate to each neighbour).
    public var asSeed: Bool
    public var unchoked: [Unchoke]
    /// How many interested neighbours stayed choked (the run keeps the count, not the names).
    public var chokedInterested: Int
    /// True when the peer is a free-rider: it unchokes nobody, whatever it receives.
    public var freeRiding: Bool
    public init(round: Int, time: SimTime, asSeed: Bool = false, unchoked: [Unchoke], chokedInterested: Int = 0,
                freeRiding: Bool = false) {
        self.round = round; self.time = time; self.asSeed = asSeed; self.unchoked = unchoked
        self.chokedInterested = chokedInterested; self.freeRiding = freeRiding
    }
}

/// A neighbour a peer unchoked, and the reason.
public struct Unchoke: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        /// Among the top interested neighbours by rate: `rank` (1 = fastest) and the rate that earned it, bits/s
        /// (download rate from it for a leecher, upload rate to it for a seed).
        case rateRank(rank: Int, rate: Int64)
        /// The optimistic unchoke (rotated every 30 s), whatever its rate.
        case optimistic
        /// A seed's round-robin turn.
        case roundRobin
    }
    public var peer: String
    public var reason: Reason
    public init(peer: String, reason: Reason) { self.peer = peer; self.reason = reason }
}

/// Bytes a peer gave to and received from one neighbour, and the current choke state between them.
public struct LedgerEntry: Sendable, Hashable {
    public var peer: String
    /// Bytes this peer uploaded to the neighbour, and downloaded from it.
    public var given: Int64
    public var received: Int64
    /// Whether this peer currently unchokes the neighbour, and the neighbour this peer.
    public var unchoking: Bool
    public var unchokedBy: Bool
    /// Whether the neighbour wants something this peer has.
    public var interested: Bool
    /// Anti-snubbing: no data from it for 60 s while unchoked.
    public var snubbed: Bool
    public init(peer: String, given: Int64, received: Int64, unchoking: Bool = false, unchokedBy: Bool = false,
                interested: Bool = false, snubbed: Bool = false) {
        self.peer = peer; self.given = given; self.received = received; self.unchoking = unchoking
        self.unchokedBy = unchokedBy; self.interested = interested; self.snubbed = snubbed
    }
}

// MARK: DHT (filled by DashboardSnapshot+DHT.swift)

/// A Kademlia DHT: every node's routing table, and the recent lookups.
public struct DHTSnapshot: Sendable, Hashable {
    /// Bucket size k and lookup parallelism α.
    public var k: Int
    public var alpha: Int
    public var nodes: [DHTNodeSnapshot]
    /// The most recent lookups, oldest first.
    public var lookups: [DHTLookup]
    public init(k: Int = 8, alpha: Int = 3, nodes: [DHTNodeSnapshot], lookups: [DHTLookup]) {
        self.k = k; self.alpha = alpha; self.nodes = nodes; self.lookups = lookups
    }
    public func node(named name: String) -> DHTNodeSnapshot? { nodes.first { $0.name == name } }
}

/// One DHT node.
public struct DHTNodeSnapshot: Sendable, Hashable {
    /// The host name.
    public var name: String
    /// The 160-bit node id as 40 lowercase hex digits.
    public var id: String
    public var isUp: Bool
    /// The routing table, from the bucket farthest from the node's id (prefix length 0) to the nearest.
    public var buckets: [DHTBucket]
    /// Values (peer lists) it stores for others.
    public var keysStored: Int
    /// Lookups it has in progress.
    public var runningLookups: Int
    public init(name: String, id: String, isUp: Bool = true, buckets: [DHTBucket], keysStored: Int = 0, runningLookups: Int = 0) {
        self.name = name; self.id = id; self.isUp = isUp; self.buckets = buckets; self.keysStored = keysStored
        self.runningLookups = runningLookups
    }
    /// Contacts in every bucket.
    public var contactCount: Int { buckets.reduce(0) { $0 + $1.contacts.count } }
}

/// A k-bucket: contacts whose ids share `prefixLength` leading bits with the node's own id.
public struct DHTBucket: Sendable, Hashable {
    public var prefixLength: Int
    public var contacts: [DHTContact]
    /// Candidates waiting for a slot.
    public var replacements: Int
    public init(prefixLength: Int, contacts: [DHTContact], replacements: Int = 0) {
        self.prefixLength = prefixLength; self.contacts = contacts; self.replacements = replacements
    }
}

/// A routing-table contact.
public struct DHTContact: Sendable, Hashable {
    /// BEP 5: good (heard from in the last 15 min), questionable (silent 15 min), bad (failed queries).
    public enum State: String, Sendable, Hashable { case good, questionable, bad }
    public var name: String
    public var id: String
    public var state: State
    public var lastSeen: SimTime?
    public init(name: String, id: String, state: State, lastSeen: SimTime? = nil) {
        self.name = name; self.id = id; self.state = state; self.lastSeen = lastSeen
    }
}

/// An iterative lookup and the path it took.
public struct DHTLookup: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case running, succeeded, failed }
    /// The node that looked up, the key (40 hex digits) and the RPC (`find_node`, `get_peers`).
    public var origin: String
    public var target: String
    public var kind: String
    public var status: Status
    public var started: SimTime
    public var finished: SimTime?
    /// Each queried node in order of the query.
    public var hops: [DHTHop]
    /// Peers found (get_peers).
    public var peersFound: Int
    /// When the path is not recorded (`hops` empty): the hop count of the closest node that answered
    /// (1 = from the origin's own routing table), and the queries the lookup sent.
    public var hopCount: Int?
    public var messages: Int?
    /// For an announce: the nodes that stored the peer.
    public var storedAt: Int?
    public init(origin: String, target: String, kind: String, status: Status, started: SimTime, finished: SimTime? = nil,
                hops: [DHTHop], peersFound: Int = 0, hopCount: Int? = nil, messages: Int? = nil, storedAt: Int? = nil) {
        self.origin = origin; self.target = target; self.kind = kind; self.status = status; self.started = started
        self.finished = finished; self.hops = hops; self.peersFound = peersFound; self.hopCount = hopCount
        self.messages = messages; self.storedAt = storedAt
    }
}

/// One query of a lookup.
public struct DHTHop: Sendable, Hashable {
    /// Round of the iterative lookup (1 = the first α queries).
    public var step: Int
    public var node: String
    /// Leading bits the node's id shares with the target (higher = closer).
    public var commonBits: Int
    /// Whether it answered before the timeout.
    public var answered: Bool
    public init(step: Int, node: String, commonBits: Int, answered: Bool) {
        self.step = step; self.node = node; self.commonBits = commonBits; self.answered = answered
    }
}
