public import BitTorrent
public import DHT
public import Network
public import SimKernel

/// A scenario file: the emulated Internet, what runs on it, and what happens when.
///
/// Keys are kebab-case in YAML. Every key is documented in `docs/scenario-reference.md`.
public struct ScenarioSpec: Codable, Sendable, Hashable {
    /// A short name shown in reports and the dashboard.
    public var name: String
    public var description: String?
    /// The seed every random choice derives from (`--seed` overrides it).
    public var seed: UInt64 = 1
    /// How long to run. Give `duration` or `rounds` (rounds × round length), not both.
    public var duration: TimeSpan?
    public var rounds: Int?
    /// Length of one round (a reporting and stepping unit; BitTorrent's rechoke period). Default 10 s.
    public var round: TimeSpan = TimeSpan(.seconds(10))
    public var regions: [RegionSpec]
    public var latency: LatencySpec = LatencySpec()
    public var hosts: [HostGroupSpec]
    /// Files shared by BitTorrent peers (and served by the client–server baseline).
    public var swarms: [SwarmSpec] = []
    public var timeline: [InjectionSpec] = []
    /// Parameters of every DHT node (peers of `dht: true` swarms and `dht-node` hosts).
    public var dht: DHTSpec = DHTSpec()
    public var options: OptionsSpec = OptionsSpec()

    enum CodingKeys: String, CodingKey {
        case name, description, seed, duration, rounds, round, regions, latency, hosts, swarms, timeline, dht, options
    }

    public init(name: String, regions: [RegionSpec], hosts: [HostGroupSpec]) {
        self.name = name; self.regions = regions; self.hosts = hosts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        duration = try c.decodeIfPresent(TimeSpan.self, forKey: .duration)
        rounds = try c.decodeIfPresent(Int.self, forKey: .rounds)
        round = try c.decodeIfPresent(TimeSpan.self, forKey: .round) ?? TimeSpan(.seconds(10))
        regions = try c.decode([RegionSpec].self, forKey: .regions)
        latency = try c.decodeIfPresent(LatencySpec.self, forKey: .latency) ?? LatencySpec()
        hosts = try c.decode([HostGroupSpec].self, forKey: .hosts)
        swarms = try c.decodeIfPresent([SwarmSpec].self, forKey: .swarms) ?? []
        timeline = try c.decodeIfPresent([InjectionSpec].self, forKey: .timeline) ?? []
        dht = try c.decodeIfPresent(DHTSpec.self, forKey: .dht) ?? DHTSpec()
        options = try c.decodeIfPresent(OptionsSpec.self, forKey: .options) ?? OptionsSpec()
        guard round.duration >= Self.minimumRound else {
            throw ScenarioValidation("must be at least \(TimeSpan(Self.minimumRound)), found \(round)", key: CodingKeys.round)
        }
        guard round.duration <= Self.maximumDuration else {
            throw ScenarioValidation("must be at most \(TimeSpan(Self.maximumDuration)) (10 years), found \(round)", key: CodingKeys.round)
        }
        switch (duration, rounds) {
        case (nil, nil): throw ScenarioValidation("give how long to run: 'duration' (e.g. 120s) or 'rounds' (e.g. 12)")
        case (.some, .some): throw ScenarioValidation("give 'duration' or 'rounds', not both", key: CodingKeys.rounds)
        case (let d?, nil) where d.duration <= .zero: throw ScenarioValidation("must be longer than 0s", key: CodingKeys.duration)
        case (let d?, nil) where d.duration > Self.maximumDuration:
            throw ScenarioValidation("must be at most \(TimeSpan(Self.maximumDuration)) (10 years of virtual time), found \(d)", key: CodingKeys.duration)
        case (nil, let r?) where r < 1: throw ScenarioValidation("must be at least 1, found \(r)", key: CodingKeys.rounds)
        case (nil, let r?) where r > Self.maximumRounds:
            throw ScenarioValidation("the run would have \(r) rounds of \(round); at most \(Self.maximumRounds): give fewer rounds", key: CodingKeys.rounds)
        case (nil, let r?):
            // At most 100000 rounds of at most 10 years: the product fits in Int64, but the run may not be that long.
            let (total, overflow) = round.duration.nanoseconds.multipliedReportingOverflow(by: Int64(r))
            if overflow || total > Self.maximumDuration.nanoseconds {
                throw ScenarioValidation("\(r) rounds of \(round) run longer than \(TimeSpan(Self.maximumDuration)) (10 years of virtual time): make 'round' shorter or give fewer rounds",
                                         key: CodingKeys.rounds)
            }
        default: break
        }
        // Every round stores a row (and the dashboard a checkpoint): a run of millions of rounds would
        // exhaust memory long before it ended.
        let roundCount = ((endTime - SimTime.zero).nanoseconds + round.duration.nanoseconds - 1) / round.duration.nanoseconds
        if roundCount > Self.maximumRounds {
            throw ScenarioValidation("the run would have \(roundCount) rounds of \(round); at most \(Self.maximumRounds): make 'round' longer or the run shorter",
                                     key: rounds == nil ? CodingKeys.round : CodingKeys.rounds)
        }
        guard !regions.isEmpty else { throw ScenarioValidation("define at least one region", key: CodingKeys.regions) }
        guard !hosts.isEmpty else { throw ScenarioValidation("define at least one host group", key: CodingKeys.hosts) }
    }

    /// The shortest round, and the most rounds a run may have.
    public static let minimumRound = SimDuration.milliseconds(1)
    public static let maximumRounds: Int64 = 100_000
    /// The longest run (and round): 87600h, 10 years of virtual time. Every time a run computes stays far
    /// inside Int64 nanoseconds (about 292 years).
    public static let maximumDuration = SimDuration.seconds(10 * 365 * 86_400)
    /// The longest one-way latency of an access link or of the core (`latency.inside`, `default`, `between`):
    /// 1 hour, so that path latencies (access + core + access) never come near Int64's range.
    public static let maximumLatency = SimDuration.seconds(3_600)
    /// The most hosts a scenario may have, counting every group's `count` and all its churn arrivals.
    public static let maximumHosts = 100_000

    /// Whether any host runs a DHT node (a peer of a `dht: true` swarm, or a `dht-node` host).
    public var usesDHT: Bool { swarms.contains(where: \.dht) || hosts.contains { $0.app.dhtNode != nil } }

    /// The virtual time the run ends at.
    public var endTime: SimTime {
        if let duration { return .zero + duration.duration }
        // Saturates (a decoded spec never gets near: rounds × round ≤ 10 years).
        let (total, overflow) = round.duration.nanoseconds.multipliedReportingOverflow(by: Int64(rounds ?? 1))
        return overflow ? .never : .zero + SimDuration(nanoseconds: total)
    }
}

/// A region: an ISP or a part of the world. Hosts in it share core latencies.
public struct RegionSpec: Codable, Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// Core (backbone) one-way latencies between regions.
public struct LatencySpec: Codable, Sendable, Hashable {
    /// Between two hosts of the same region. Default 5 ms.
    public var inside: TimeSpan = TimeSpan(.milliseconds(5))
    /// Between regions not listed in `between`. Default 40 ms.
    public var `default`: TimeSpan = TimeSpan(.milliseconds(40))
    /// Specific pairs.
    public var between: [RegionPairLatency] = []

    public init() {}
    enum CodingKeys: String, CodingKey { case inside, `default`, between }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inside = try c.decodeIfPresent(TimeSpan.self, forKey: .inside) ?? TimeSpan(.milliseconds(5))
        self.default = try c.decodeIfPresent(TimeSpan.self, forKey: .default) ?? TimeSpan(.milliseconds(40))
        between = try c.decodeIfPresent([RegionPairLatency].self, forKey: .between) ?? []
        try checkLatency(inside, key: CodingKeys.inside)
        try checkLatency(self.default, key: CodingKeys.default)
    }
}

/// The core latency between two named regions.
public struct RegionPairLatency: Codable, Sendable, Hashable {
    public var regions: [String]
    public var latency: TimeSpan
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        regions = try c.decode([String].self, forKey: .regions)
        latency = try c.decode(TimeSpan.self, forKey: .latency)
        guard regions.count == 2 else { throw ScenarioValidation("expected two region names, found \(regions.count)", key: CodingKeys.regions) }
        try checkLatency(latency, key: CodingKeys.latency)
    }
}

/// Rejects a one-way latency above `ScenarioSpec.maximumLatency` (path latencies add three of them).
func checkLatency(_ latency: TimeSpan, key: any CodingKey) throws {
    guard latency.duration <= ScenarioSpec.maximumLatency else {
        throw ScenarioValidation("a one-way latency must be at most \(TimeSpan(ScenarioSpec.maximumLatency)), found \(latency)", key: key)
    }
}

/// NAT in front of each host of a group: a preset name, or `none`.
public enum NATSpec: String, Codable, Sendable, Hashable, CaseIterable {
    case none
    case fullCone = "full-cone"
    case restricted
    case portRestricted = "port-restricted"
    case symmetric

    public var preset: NATPreset? {
        switch self {
        case .none: return nil
        case .fullCone: return .fullCone
        case .restricted: return .restricted
        case .portRestricted: return .portRestricted
        case .symmetric: return .symmetric
        }
    }
}

/// A group of identical hosts. With `count` > 1 they are named `GROUP-1` … `GROUP-N`; with 1, just `GROUP`.
public struct HostGroupSpec: Codable, Sendable, Hashable {
    public var group: String
    public var count: Int = 1
    /// Region name (default: the first region).
    public var region: String?
    public var up: BitRate
    public var down: BitRate
    /// Access-link one-way latency. Default 10 ms.
    public var latency: TimeSpan = TimeSpan(.milliseconds(10))
    /// Datagram loss probability on the access link, 0…1.
    public var loss: Double = 0
    public var nat: NATSpec = .none
    /// Ports the NAT forwards to the host (same port inside), so it can accept connections.
    public var forward: [UInt16] = []
    /// NAT mapping timeout (RFC 4787: at least 120 s). Default 300 s.
    public var natTimeout: TimeSpan?
    /// When the group's hosts join. Default 0s. `absent` hosts wait for a `join` injection.
    public var join: TimeSpan?
    public var absent: Bool = false
    /// Arrivals spread over time instead of all at `join`: exponential gaps with this mean (a Poisson process).
    public var arrivalGap: TimeSpan?
    /// Churn: every `every`, `leave` running hosts of the group leave and `join` new ones arrive.
    public var churn: ChurnSpec?
    /// Churn by sessions: each host alternates online sessions and offline downtimes drawn from distributions.
    public var sessions: SessionsSpec?
    /// The application the hosts run.
    public var app: AppSpec = AppSpec()

    enum CodingKeys: String, CodingKey {
        case group, count, region, up, down, latency, loss, nat, forward, natTimeout = "nat-timeout", join, absent
        case arrivalGap = "arrival-gap", churn, sessions, app
    }

    public init(group: String, count: Int = 1, up: BitRate, down: BitRate) {
        self.group = group; self.count = count; self.up = up; self.down = down
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decode(String.self, forKey: .group)
        count = try c.decodeIfPresent(Int.self, forKey: .count) ?? 1
        region = try c.decodeIfPresent(String.self, forKey: .region)
        up = try c.decode(BitRate.self, forKey: .up)
        down = try c.decode(BitRate.self, forKey: .down)
        latency = try c.decodeIfPresent(TimeSpan.self, forKey: .latency) ?? TimeSpan(.milliseconds(10))
        loss = try c.decodeIfPresent(Double.self, forKey: .loss) ?? 0
        nat = try c.decodeIfPresent(NATSpec.self, forKey: .nat) ?? .none
        forward = try c.decodeIfPresent([UInt16].self, forKey: .forward) ?? []
        natTimeout = try c.decodeIfPresent(TimeSpan.self, forKey: .natTimeout)
        join = try c.decodeIfPresent(TimeSpan.self, forKey: .join)
        absent = try c.decodeIfPresent(Bool.self, forKey: .absent) ?? false
        arrivalGap = try c.decodeIfPresent(TimeSpan.self, forKey: .arrivalGap)
        churn = try c.decodeIfPresent(ChurnSpec.self, forKey: .churn)
        sessions = try c.decodeIfPresent(SessionsSpec.self, forKey: .sessions)
        app = try c.decodeIfPresent(AppSpec.self, forKey: .app) ?? AppSpec()
        guard !group.isEmpty, group.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ScenarioValidation("expected a name of letters, digits, '-' or '_', found '\(group)'", key: CodingKeys.group)
        }
        guard (1...100_000).contains(count) else { throw ScenarioValidation("must be between 1 and 100000, found \(count)", key: CodingKeys.count) }
        guard (0...1).contains(loss) else { throw ScenarioValidation("must be a probability between 0 and 1, found \(loss)", key: CodingKeys.loss) }
        try checkLatency(latency, key: CodingKeys.latency)
        if let t = natTimeout, t.duration < NATConfig.minimumMappingTimeout {
            throw ScenarioValidation("RFC 4787 requires at least 120s, found \(t)", key: CodingKeys.natTimeout)
        }
        if nat == .none, !forward.isEmpty { throw ScenarioValidation("port forwards need a NAT; this group has nat: none", key: CodingKeys.forward) }
        if nat == .none, natTimeout != nil { throw ScenarioValidation("a NAT timeout needs a NAT; this group has nat: none", key: CodingKeys.natTimeout) }
        if absent, join != nil { throw ScenarioValidation("give 'join' or 'absent', not both", key: CodingKeys.absent) }
        if let g = arrivalGap, g.duration <= .zero { throw ScenarioValidation("must be longer than 0s", key: CodingKeys.arrivalGap) }
        if churn != nil, sessions != nil { throw ScenarioValidation("give 'churn' or 'sessions', not both", key: CodingKeys.sessions) }
    }

    /// The names of the group's hosts.
    public var hostNames: [String] { count == 1 ? [group] : (1...count).map { "\(group)-\($0)" } }
}

/// Which application a group runs. At most one key.
public struct AppSpec: Codable, Sendable, Hashable {
    public var ping: PingSpec?
    public var tracker: TrackerSpec?
    public var peer: PeerSpec?
    public var fileServer: FileServerSpec?
    public var fileClient: FileClientSpec?
    public var dhtNode: DHTNodeSpec?
    enum CodingKeys: String, CodingKey { case ping, tracker, peer, fileServer = "file-server", fileClient = "file-client", dhtNode = "dht-node" }
    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ping = try c.decodeIfPresent(PingSpec.self, forKey: .ping)
        tracker = try c.decodeIfPresent(TrackerSpec.self, forKey: .tracker)
        peer = try c.decodeIfPresent(PeerSpec.self, forKey: .peer)
        fileServer = try c.decodeIfPresent(FileServerSpec.self, forKey: .fileServer)
        fileClient = try c.decodeIfPresent(FileClientSpec.self, forKey: .fileClient)
        dhtNode = try c.decodeIfPresent(DHTNodeSpec.self, forKey: .dhtNode)
        let given = [ping != nil, tracker != nil, peer != nil, fileServer != nil, fileClient != nil, dhtNode != nil].filter { $0 }.count
        guard given <= 1 else { throw ScenarioValidation("a host runs one application; found \(given) (ping, tracker, peer, file-server, file-client, dht-node)") }
    }
}

/// A file shared in a swarm: by size and piece length, or from a real .torrent file.
public struct SwarmSpec: Codable, Sendable, Hashable {
    public var name: String
    public var fileSize: ByteCount?
    public var pieceLength: ByteCount = ByteCount(bytes: 262_144)
    /// A .torrent file (relative to the scenario file); its pieces and sizes are used.
    public var torrent: String?
    /// The host (or group of one) running the tracker; none for a trackerless swarm.
    public var tracker: String?
    /// Peers run a DHT node and find each other through it too (BEP 5). Default false.
    public var dht = false
    /// Bytes per request: 16KiB (what clients send) unless a big scenario trades detail for speed.
    public var requestSize = ByteCount(bytes: 16_384)
    /// The largest piece (of a synthetic file or of a .torrent) and request a simulated peer handles: 16 MiB.
    public static let maximumPieceLength: Int64 = 16 << 20
    /// The largest synthetic file (`file-size`): 4 GiB. Its SHA-1 piece hashes are computed while the
    /// scenario loads, about a second per GiB, so 1 TiB would take a quarter of an hour.
    /// (A `.torrent` brings its hashes along and may describe up to 1 TiB.)
    public static let maximumFileSize: Int64 = 4 << 30
    enum CodingKeys: String, CodingKey {
        case name, fileSize = "file-size", pieceLength = "piece-length", torrent, tracker, dht, requestSize = "request-size"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        fileSize = try c.decodeIfPresent(ByteCount.self, forKey: .fileSize)
        pieceLength = try c.decodeIfPresent(ByteCount.self, forKey: .pieceLength) ?? ByteCount(bytes: 262_144)
        torrent = try c.decodeIfPresent(String.self, forKey: .torrent)
        tracker = try c.decodeIfPresent(String.self, forKey: .tracker)
        dht = try c.decodeIfPresent(Bool.self, forKey: .dht) ?? false
        requestSize = try c.decodeIfPresent(ByteCount.self, forKey: .requestSize) ?? ByteCount(bytes: 16_384)
        switch (fileSize, torrent) {
        case (nil, nil): throw ScenarioValidation("give the file as 'file-size' (e.g. 100MB) or 'torrent' (a .torrent path)")
        case (.some, .some): throw ScenarioValidation("give 'file-size' or 'torrent', not both", key: CodingKeys.torrent)
        default: break
        }
        if let f = fileSize, !(1...Self.maximumFileSize).contains(f.bytes) {
            throw ScenarioValidation("must be between 1 byte and 4GiB (a synthetic file's pieces are hashed while the scenario loads), found \(f)",
                                     key: CodingKeys.fileSize)
        }
        let pl = pieceLength.bytes
        guard pl >= 16_384, pl <= Self.maximumPieceLength, pl & (pl - 1) == 0 else {
            throw ScenarioValidation("must be a power of two from 16KiB to 16MiB, found \(pieceLength)", key: CodingKeys.pieceLength)
        }
        let rs = requestSize.bytes
        // With a torrent, the loader also checks it against the torrent's piece length (at most 16MiB too).
        guard rs >= 16_384, rs & (rs - 1) == 0, rs <= Self.maximumPieceLength, torrent != nil || rs <= pl else {
            let upper = torrent == nil ? "the piece length (\(pieceLength))" : "16MiB"
            throw ScenarioValidation("must be a power of two from 16KiB to \(upper), found \(requestSize)", key: CodingKeys.requestSize)
        }
    }
}

/// A BitTorrent tracker.
public struct TrackerSpec: Codable, Sendable, Hashable {
    public var port: UInt16 = 6969
    /// Re-announce interval handed to peers.
    public var interval: TimeSpan = TimeSpan(.seconds(300))
    enum CodingKeys: String, CodingKey { case port, interval }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? 6969
        interval = try c.decodeIfPresent(TimeSpan.self, forKey: .interval) ?? TimeSpan(.seconds(300))
        guard interval.duration >= .seconds(10) else { throw ScenarioValidation("must be at least 10s", key: CodingKeys.interval) }
    }
}

/// A BitTorrent peer.
public struct PeerSpec: Codable, Sendable, Hashable {
    public var swarm: String
    /// Start with the whole file.
    public var seed = false
    public var selection: String = "rarest-first"
    /// `forever` (altruistic), `leave` (selfish), or a duration to stay after completing.
    public var seeding: String = "forever"
    public var freeRider = false
    public var optimisticUnchoke = true
    public var seedChoking: String = "upload-rate"
    public var uploadSlots = 3
    public var pipeline = 5
    public var maxConnections = 50
    public var endgame = true
    public var port: UInt16 = 6881
    /// Join from a magnet link: the info-hash only, no tracker; peers come from the DHT.
    public var magnet = false
    enum CodingKeys: String, CodingKey {
        case swarm, seed, selection, seeding, freeRider = "free-rider", optimisticUnchoke = "optimistic-unchoke"
        case seedChoking = "seed-choking", uploadSlots = "upload-slots", pipeline, maxConnections = "max-connections", endgame, port, magnet
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        swarm = try c.decode(String.self, forKey: .swarm)
        seed = try c.decodeIfPresent(Bool.self, forKey: .seed) ?? false
        selection = try c.decodeIfPresent(String.self, forKey: .selection) ?? "rarest-first"
        seeding = try c.decodeIfPresent(String.self, forKey: .seeding) ?? "forever"
        freeRider = try c.decodeIfPresent(Bool.self, forKey: .freeRider) ?? false
        optimisticUnchoke = try c.decodeIfPresent(Bool.self, forKey: .optimisticUnchoke) ?? true
        seedChoking = try c.decodeIfPresent(String.self, forKey: .seedChoking) ?? "upload-rate"
        uploadSlots = try c.decodeIfPresent(Int.self, forKey: .uploadSlots) ?? 3
        pipeline = try c.decodeIfPresent(Int.self, forKey: .pipeline) ?? 5
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? 50
        endgame = try c.decodeIfPresent(Bool.self, forKey: .endgame) ?? true
        port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? 6881
        magnet = try c.decodeIfPresent(Bool.self, forKey: .magnet) ?? false
        guard PieceSelection(rawValue: selection) != nil else {
            throw ScenarioValidation("expected one of: \(PieceSelection.allCases.map(\.rawValue).joined(separator: ", ")), found '\(selection)'", key: CodingKeys.selection)
        }
        guard SeedChoking(rawValue: seedChoking) != nil else {
            throw ScenarioValidation("expected one of: upload-rate, round-robin, found '\(seedChoking)'", key: CodingKeys.seedChoking)
        }
        guard seedingPolicy != nil else {
            throw ScenarioValidation("expected forever, leave, or a duration to stay (e.g. 600s), found '\(seeding)'", key: CodingKeys.seeding)
        }
        guard (1...50).contains(uploadSlots) else { throw ScenarioValidation("must be between 1 and 50", key: CodingKeys.uploadSlots) }
        guard (1...256).contains(pipeline) else { throw ScenarioValidation("must be between 1 and 256", key: CodingKeys.pipeline) }
        guard (1...10_000).contains(maxConnections) else { throw ScenarioValidation("must be between 1 and 10000", key: CodingKeys.maxConnections) }
    }

    /// The seeding policy `seeding` names.
    public var seedingPolicy: SeedingPolicy? {
        switch seeding {
        case "forever": return .forever
        case "leave": return .leave
        default: return (try? TimeSpan(parsing: seeding)).map { .stay($0.duration) }
        }
    }
}

/// A standalone DHT node: an ordinary node that shares no file, or a well-known bootstrap router.
public struct DHTNodeSpec: Codable, Sendable, Hashable {
    public var port: UInt16 = 6881
    /// Store announced peers (default true). False: a bootstrap router like router.bittorrent.com, which
    /// helps nodes join and refers lookups onwards but keeps no peers.
    public var store = true
    enum CodingKeys: String, CodingKey { case port, store }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? 6881
        store = try c.decodeIfPresent(Bool.self, forKey: .store) ?? true
    }
}

/// Parameters shared by every DHT node of the scenario (BEP 5 defaults).
public struct DHTSpec: Codable, Sendable, Hashable {
    /// Bucket size and replication factor.
    public var k = 8
    /// Queries in flight per lookup.
    public var alpha = 3
    /// How long a query waits for its answer.
    public var queryTimeout = TimeSpan(.seconds(2))
    /// Hosts (or groups) that new nodes bootstrap through. Default: every `dht-node` host, or else the
    /// first 8 peers of DHT swarms that are not behind a NAT.
    public var bootstrap: [String] = []
    /// Announcers re-announce this often, keeping their entry on the k closest nodes while membership
    /// changes (replication). `off`: each announcement is stored once.
    public var republish: String = "900s"
    /// Stored peers expire after this long unless re-announced.
    public var peerTtl = TimeSpan(.seconds(1800))
    /// Peers look the swarm up again this often (and every 30 s while they have no connection).
    public var lookupInterval = TimeSpan(.seconds(300))

    enum CodingKeys: String, CodingKey {
        case k, alpha, queryTimeout = "query-timeout", bootstrap, republish, peerTtl = "peer-ttl", lookupInterval = "lookup-interval"
    }
    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        k = try c.decodeIfPresent(Int.self, forKey: .k) ?? 8
        alpha = try c.decodeIfPresent(Int.self, forKey: .alpha) ?? 3
        queryTimeout = try c.decodeIfPresent(TimeSpan.self, forKey: .queryTimeout) ?? TimeSpan(.seconds(2))
        bootstrap = try c.decodeIfPresent([String].self, forKey: .bootstrap) ?? []
        republish = try c.decodeIfPresent(String.self, forKey: .republish) ?? "900s"
        peerTtl = try c.decodeIfPresent(TimeSpan.self, forKey: .peerTtl) ?? TimeSpan(.seconds(1800))
        lookupInterval = try c.decodeIfPresent(TimeSpan.self, forKey: .lookupInterval) ?? TimeSpan(.seconds(300))
        guard (1...64).contains(k) else { throw ScenarioValidation("must be between 1 and 64, found \(k)", key: CodingKeys.k) }
        guard (1...16).contains(alpha) else { throw ScenarioValidation("must be between 1 and 16, found \(alpha)", key: CodingKeys.alpha) }
        guard queryTimeout.duration > .zero else { throw ScenarioValidation("must be longer than 0s", key: CodingKeys.queryTimeout) }
        guard peerTtl.duration > .zero else { throw ScenarioValidation("must be longer than 0s", key: CodingKeys.peerTtl) }
        guard lookupInterval.duration >= .seconds(1) else { throw ScenarioValidation("must be at least 1s", key: CodingKeys.lookupInterval) }
        guard republish == "off" || (try? TimeSpan(parsing: republish)).map({ $0.duration >= .seconds(1) }) == true else {
            throw ScenarioValidation("expected a duration (e.g. 900s) or off, found '\(republish)'", key: CodingKeys.republish)
        }
    }

    /// The republish interval, nil when `off`.
    public var republishInterval: SimDuration? {
        republish == "off" ? nil : (try? TimeSpan(parsing: republish))?.duration
    }
}

/// The client–server baseline's server: serves a swarm's file over its uplink.
public struct FileServerSpec: Codable, Sendable, Hashable {
    public var swarm: String
    public var port: UInt16 = 80
    enum CodingKeys: String, CodingKey { case swarm, port }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        swarm = try c.decode(String.self, forKey: .swarm)
        port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? 80
    }
}

/// The client–server baseline's client: downloads a swarm's file from a server.
public struct FileClientSpec: Codable, Sendable, Hashable {
    public var swarm: String
    public var server: String
}

/// Churn: a group's population turning over.
public struct ChurnSpec: Codable, Sendable, Hashable {
    public var every: TimeSpan
    public var leave: Int = 0
    public var join: Int = 0
    enum CodingKeys: String, CodingKey { case every, leave, join }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        every = try c.decode(TimeSpan.self, forKey: .every)
        leave = try c.decodeIfPresent(Int.self, forKey: .leave) ?? 0
        join = try c.decodeIfPresent(Int.self, forKey: .join) ?? 0
        guard every.duration >= .seconds(1) else { throw ScenarioValidation("must be at least 1s", key: CodingKeys.every) }
        guard leave >= 0, join >= 0 else { throw ScenarioValidation("counts must be 0 or more") }
        let most = ScenarioSpec.maximumHosts
        guard join <= most else { throw ScenarioValidation("must be at most \(most) (hosts per scenario), found \(join)", key: CodingKeys.join) }
        guard leave <= most else { throw ScenarioValidation("must be at most \(most) (hosts per scenario), found \(leave)", key: CodingKeys.leave) }
    }
}

/// Session churn: every host of the group stays online for a session, goes offline for a downtime, comes
/// back (with its pieces on disk, but no connections and an empty DHT routing table), and so on.
public struct SessionsSpec: Codable, Sendable, Hashable {
    public var session: DurationDistributionSpec
    public var downtime: DurationDistributionSpec
    /// `leave` (graceful: connections closed, the tracker told) or `crash`.
    public var departure: String = "leave"
    enum CodingKeys: String, CodingKey { case session, downtime, departure }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        session = try c.decode(DurationDistributionSpec.self, forKey: .session)
        downtime = try c.decode(DurationDistributionSpec.self, forKey: .downtime)
        departure = try c.decodeIfPresent(String.self, forKey: .departure) ?? "leave"
        guard departure == "leave" || departure == "crash" else {
            throw ScenarioValidation("expected leave or crash, found '\(departure)'", key: CodingKeys.departure)
        }
    }
}

/// A distribution of durations: `{exponential: 10m}`, `{pareto: 10m, shape: 1.5}` (mean and shape > 1:
/// heavy-tailed, as measured P2P sessions are) or `{fixed: 10m}`.
public struct DurationDistributionSpec: Codable, Sendable, Hashable {
    public var exponential: TimeSpan?
    public var pareto: TimeSpan?
    public var shape: Double?
    public var fixed: TimeSpan?
    enum CodingKeys: String, CodingKey { case exponential, pareto, shape, fixed }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exponential = try c.decodeIfPresent(TimeSpan.self, forKey: .exponential)
        pareto = try c.decodeIfPresent(TimeSpan.self, forKey: .pareto)
        shape = try c.decodeIfPresent(Double.self, forKey: .shape)
        fixed = try c.decodeIfPresent(TimeSpan.self, forKey: .fixed)
        let given = [exponential, pareto, fixed].compactMap { $0 }
        guard given.count == 1, let mean = given.first else {
            throw ScenarioValidation("give exactly one of exponential, pareto or fixed with its mean, e.g. {exponential: 10m}")
        }
        // Like churn's 'every': shorter sessions would schedule millions of departures and returns.
        guard mean.duration >= .seconds(1) else { throw ScenarioValidation("the mean must be at least 1s, found \(mean)") }
        if pareto != nil {
            guard let a = shape, a > 1, a.isFinite else { throw ScenarioValidation("a Pareto distribution needs 'shape' above 1 (e.g. 1.5)", key: CodingKeys.shape) }
        } else if shape != nil {
            throw ScenarioValidation("'shape' belongs to a pareto distribution", key: CodingKeys.shape)
        }
    }

    /// The mean duration given (for `fixed`, the duration itself).
    public var mean: SimDuration { (exponential ?? pareto ?? fixed)?.duration ?? .seconds(1) }

    /// The distribution for the churn model.
    public var distribution: ChurnModel.Distribution {
        if let m = exponential { return .exponential(mean: m.duration) }
        if let m = pareto { return .pareto(mean: m.duration, shape: shape ?? 1.5) }
        return .fixed(fixed?.duration ?? .seconds(1))
    }
}

/// The ping application: answer probes, and optionally probe targets.
public struct PingSpec: Codable, Sendable, Hashable {
    /// Host or group names to probe (round-robin). Empty: responder only.
    public var targets: [String] = []
    public var interval: TimeSpan = TimeSpan(.seconds(1))
    public var port: UInt16 = 7
    public var size: ByteCount = ByteCount(bytes: 64)
    /// Also open a connection every N probes (0 = never).
    public var connectEvery: Int = 0

    enum CodingKeys: String, CodingKey { case targets, interval, port, size, connectEvery = "connect-every" }
    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        targets = try c.decodeIfPresent([String].self, forKey: .targets) ?? []
        interval = try c.decodeIfPresent(TimeSpan.self, forKey: .interval) ?? TimeSpan(.seconds(1))
        port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? 7
        size = try c.decodeIfPresent(ByteCount.self, forKey: .size) ?? ByteCount(bytes: 64)
        connectEvery = try c.decodeIfPresent(Int.self, forKey: .connectEvery) ?? 0
        guard interval.duration >= .milliseconds(1) else { throw ScenarioValidation("must be at least 1ms, found \(interval)", key: CodingKeys.interval) }
        guard (28...65_507).contains(size.bytes) else { throw ScenarioValidation("a datagram is 28 to 65507 bytes, found \(size.bytes)", key: CodingKeys.size) }
        guard connectEvery >= 0 else { throw ScenarioValidation("must be 0 or more", key: CodingKeys.connectEvery) }
    }
}

/// One timed injection. Exactly one action key besides `at`.
public struct InjectionSpec: Codable, Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case crash(String), restart(String), join(String), leave(String)
        case linkDown(String), linkUp(String)
        case setRate(String, up: BitRate?, down: BitRate?)
        case setLoss(String, Double)
        case partition([String])
        case heal
        case freeRide(String)
        case leaveSwarm(String)
    }
    public var at: TimeSpan
    public var action: Action

    enum CodingKeys: String, CodingKey {
        case at, crash, restart, join, leave, linkDown = "link-down", linkUp = "link-up", setRate = "set-rate"
        case setLoss = "set-loss", partition, heal, freeRide = "freeride", leaveSwarm = "leave-swarm"
    }
    struct RateChange: Codable, Hashable { var host: String; var up: BitRate?; var down: BitRate? }
    struct LossChange: Codable, Hashable { var host: String; var loss: Double }

    public init(at: TimeSpan, action: Action) { self.at = at; self.action = action }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        at = try c.decode(TimeSpan.self, forKey: .at)
        var found: [Action] = []
        if let v = try c.decodeIfPresent(String.self, forKey: .crash) { found.append(.crash(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .restart) { found.append(.restart(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .join) { found.append(.join(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .leave) { found.append(.leave(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .linkDown) { found.append(.linkDown(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .linkUp) { found.append(.linkUp(v)) }
        if let v = try c.decodeIfPresent(RateChange.self, forKey: .setRate) {
            guard v.up != nil || v.down != nil else { throw ScenarioValidation("give 'up', 'down' or both", key: CodingKeys.setRate) }
            found.append(.setRate(v.host, up: v.up, down: v.down))
        }
        if let v = try c.decodeIfPresent(LossChange.self, forKey: .setLoss) {
            guard (0...1).contains(v.loss) else { throw ScenarioValidation("loss must be between 0 and 1, found \(v.loss)", key: CodingKeys.setLoss) }
            found.append(.setLoss(v.host, v.loss))
        }
        if let v = try c.decodeIfPresent([String].self, forKey: .partition) { found.append(.partition(v)) }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .heal), v { found.append(.heal) }
        if let v = try c.decodeIfPresent(String.self, forKey: .freeRide) { found.append(.freeRide(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .leaveSwarm) { found.append(.leaveSwarm(v)) }
        guard found.count == 1 else {
            throw ScenarioValidation("expected exactly one action besides 'at' (crash, restart, join, leave, link-down, link-up, set-rate, set-loss, partition, heal, freeride, leave-swarm), found \(found.count)")
        }
        action = found[0]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        switch action {
        case .crash(let v): try c.encode(v, forKey: .crash)
        case .restart(let v): try c.encode(v, forKey: .restart)
        case .join(let v): try c.encode(v, forKey: .join)
        case .leave(let v): try c.encode(v, forKey: .leave)
        case .linkDown(let v): try c.encode(v, forKey: .linkDown)
        case .linkUp(let v): try c.encode(v, forKey: .linkUp)
        case .setRate(let h, let up, let down): try c.encode(RateChange(host: h, up: up, down: down), forKey: .setRate)
        case .setLoss(let h, let l): try c.encode(LossChange(host: h, loss: l), forKey: .setLoss)
        case .partition(let v): try c.encode(v, forKey: .partition)
        case .heal: try c.encode(true, forKey: .heal)
        case .freeRide(let v): try c.encode(v, forKey: .freeRide)
        case .leaveSwarm(let v): try c.encode(v, forKey: .leaveSwarm)
        }
    }

    /// The key the action was given under, for messages (`crash`, `link-down`, …).
    public var actionKey: String {
        switch action {
        case .crash: return "crash"
        case .restart: return "restart"
        case .join: return "join"
        case .leave: return "leave"
        case .linkDown: return "link-down"
        case .linkUp: return "link-up"
        case .setRate: return "set-rate"
        case .setLoss: return "set-loss"
        case .partition: return "partition"
        case .heal: return "heal"
        case .freeRide: return "freeride"
        case .leaveSwarm: return "leave-swarm"
        }
    }
}

/// Run options.
public struct OptionsSpec: Codable, Sendable, Hashable {
    /// Entries kept in the event log ring buffer. Default 10000.
    public var logCapacity: Int = 10_000
    /// Log each packet a NAT drops (turn off for large swarms). Default true.
    public var logNatDrops: Bool = true
    /// How long a connection attempt waits for an answer. Default 5 s.
    public var connectTimeout: TimeSpan = TimeSpan(.seconds(5))

    enum CodingKeys: String, CodingKey { case logCapacity = "log-capacity", logNatDrops = "log-nat-drops", connectTimeout = "connect-timeout" }
    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        logCapacity = try c.decodeIfPresent(Int.self, forKey: .logCapacity) ?? 10_000
        logNatDrops = try c.decodeIfPresent(Bool.self, forKey: .logNatDrops) ?? true
        connectTimeout = try c.decodeIfPresent(TimeSpan.self, forKey: .connectTimeout) ?? TimeSpan(.seconds(5))
        guard logCapacity >= 1 else { throw ScenarioValidation("must be at least 1", key: CodingKeys.logCapacity) }
        guard connectTimeout.duration > .zero else { throw ScenarioValidation("must be longer than 0s", key: CodingKeys.connectTimeout) }
    }
}
