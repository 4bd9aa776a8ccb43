import BitTorrent
import DHT
public import Network
public import SimKernel

/// One row of the per-round summary: what happened during the round that ended at `time`.
public struct RoundRow: Sendable, Hashable, Codable {
    public var round: Int
    /// Virtual time at the end of the round, in seconds.
    public var timeS: Double
    public var events: UInt64
    public var hostsRunning: Int
    public var packetsSent: Int
    public var bytesSent: Int64
    public var packetsReceived: Int
    public var bytesReceived: Int64
    public var droppedNat: Int
    public var droppedLoss: Int
    public var droppedDown: Int
    public var droppedPartition: Int
    public var connectionsOpened: Int
    public var connectionsFailed: Int
    public var pingProbes: Int
    public var pingReplies: Int
    /// Mean round-trip time of the replies received this round, in milliseconds (nil if none).
    @NullEncoded public var pingRttMeanMs: Double?
    /// Injections applied during the round, e.g. `crash server`.
    public var injections: [String]
    /// The first swarm's leechers complete so far (nil without a swarm).
    public var swarmCompleted: Int?
    /// Copies of the least available piece among running peers.
    public var minAvailability: Int?
    /// Pieces held by exactly one running peer.
    public var singleCopyPieces: Int?
    /// Rarity histogram of the first swarm at the end of the round: element c is the number of pieces held
    /// by exactly c running peers (the last element: by that many or more; see `rarityBins`).
    public var rarity: [Int]?
    /// DHT activity during the round (nil without DHT nodes).
    public var dht: DHTRound?

    /// Bins of the rarity histogram: 0…15 copies, then 16 or more.
    public static let rarityBins = 17

    /// What the DHT did during one round.
    public struct DHTRound: Sendable, Hashable, Codable {
        /// Lookups (get_peers, announce, find_node) that finished during the round, and those that succeeded.
        public var lookups: Int
        public var succeeded: Int
        /// Hops and latency (ms) of those lookups: mean, median, 95th percentile (nil if none finished).
        @NullEncoded public var hopsMean: Double?
        @NullEncoded public var hopsMedian: Double?
        @NullEncoded public var hopsP95: Double?
        @NullEncoded public var latencyMeanMs: Double?
        @NullEncoded public var latencyMedianMs: Double?
        @NullEncoded public var latencyP95Ms: Double?
        /// Queries per lookup, and peers found per get_peers lookup, means (nil if none finished).
        @NullEncoded public var messagesMean: Double?
        @NullEncoded public var peersPerGetPeersMean: Double?
        /// Queries all nodes sent during the round.
        public var queries: Int
        /// Nodes running at the end of the round, their mean routing-table fill (0…1), and (info-hash, peer)
        /// entries stored over all of them.
        public var nodesRunning: Int
        public var routingFill: Double
        public var storedPeers: Int
        /// Info-hashes stored per running node: mean and most (load balance).
        public var keysPerNodeMean: Double
        public var keysPerNodeMax: Int
    }

    /// Column names for CSV, in order.
    public static let csvHeader = "round,time_s,events,hosts_running,packets_sent,bytes_sent,packets_received,bytes_received,dropped_nat,dropped_loss,dropped_down,dropped_partition,connections_opened,connections_failed,ping_probes,ping_replies,ping_rtt_mean_ms,swarm_completed,min_availability,single_copy_pieces,dht_lookups,dht_succeeded,dht_hops_mean,dht_latency_mean_ms,dht_queries,dht_nodes_running,dht_stored_peers,injections"

    var dhtColumns: String {
        guard let d = dht else { return ",,,,,," }
        let hops = d.hopsMean.map { formatDecimal($0, places: 3) } ?? "", lat = d.latencyMeanMs.map { formatDecimal($0, places: 3) } ?? ""
        return "\(d.lookups),\(d.succeeded),\(hops),\(lat),\(d.queries),\(d.nodesRunning),\(d.storedPeers)"
    }

    public var csvLine: String {
        let rtt = pingRttMeanMs.map { formatDecimal($0, places: 3) } ?? ""
        let inj = injections.joined(separator: "; ")
        let quoted = inj.contains(",") || inj.contains("\"") ? "\"\(inj.replacingOccurrences(of: "\"", with: "\"\""))\"" : inj
        return "\(round),\(formatDecimal(timeS, places: 3)),\(events),\(hostsRunning),\(packetsSent),\(bytesSent),\(packetsReceived),\(bytesReceived),\(droppedNat),\(droppedLoss),\(droppedDown),\(droppedPartition),\(connectionsOpened),\(connectionsFailed),\(pingProbes),\(pingReplies),\(rtt),\(swarmCompleted.map(String.init) ?? ""),\(minAvailability.map(String.init) ?? ""),\(singleCopyPieces.map(String.init) ?? ""),\(dhtColumns),\(quoted)"
    }
}

/// Cumulative totals over all hosts at one instant; rows are differences of these.
struct Totals: Sendable, Hashable {
    var counters = HostCounters()
    var ping = PingApp.Metrics()
    var events: UInt64 = 0
    var running = 0
    var dhtQueries = 0
}

/// A scenario built and running: steps round by round, keeps a checkpoint per round, and reports.
public final class ScenarioRun {
    public let scenario: LoadedScenario
    public let simulation: ScenarioSimulation
    /// Names of the hosts, by node id.
    public let hostNames: [String]
    /// The nodes behind each host or group name.
    public let targets: [String: [NodeID]]
    /// The nodes of each host group (in `scenario.spec.hosts` order), churn arrivals included.
    public let groupRanges: [Range<Int>]
    public let seed: UInt64
    public let roundLength: SimDuration
    public let endTime: SimTime
    /// Rows for the rounds completed so far.
    public private(set) var rows: [RoundRow] = []
    /// Whether to keep a checkpoint at every round boundary (for step-back).
    public let keepsCheckpoints: Bool
    private var checkpoints: [SimState<Internet<ScenarioApp>>] = []
    private var totalsAtRoundStart = Totals()
    private var injectionsThisRound: [String] = []
    /// The injections applied at time zero, before round 1 runs (restored with the start).
    private var injectionsAtStart: [String] = []

    /// Builds the emulated Internet for `scenario`.
    /// - Parameters:
    ///   - seed: overrides the scenario's seed.
    ///   - threads: worker threads; any value gives the same run.
    ///   - keepCheckpoints: keep a full checkpoint at each round boundary (for step-back).
    ///   - logSink: receives every event-log entry as it is finalised, with the host names to show it
    ///     (for `--events FILE`). It is attached before the entries of time zero (the hosts joining) are
    ///     logged, so it sees every entry the report's `log.recorded` counts.
    public init(_ scenario: LoadedScenario, seed: UInt64? = nil, threads: Int = 1, keepCheckpoints: Bool = false,
                logSink: ((_ entry: LogEntry, _ hostNames: [String]) -> Void)? = nil) {
        let spec = scenario.spec
        self.scenario = scenario
        self.seed = seed ?? spec.seed
        self.roundLength = spec.round.duration
        self.endTime = spec.endTime
        self.keepsCheckpoints = keepCheckpoints

        let regionIndex = Dictionary(uniqueKeysWithValues: spec.regions.enumerated().map { ($1.name, $0) })
        var core = Array(repeating: Array(repeating: spec.latency.default.duration, count: spec.regions.count), count: spec.regions.count)
        for i in core.indices { core[i][i] = spec.latency.inside.duration }
        for pair in spec.latency.between {
            if let a = regionIndex[pair.regions[0]], let b = regionIndex[pair.regions[1]] {
                core[a][b] = pair.latency.duration; core[b][a] = pair.latency.duration
            }
        }
        var builder = InternetBuilder<ScenarioApp>(regions: spec.regions.map(\.name), core: core)
        var targets: [String: [NodeID]] = [:]
        var names: [String] = []
        var ranges: [Range<Int>] = []
        var churnControls: [(SimTime, NetControl<ScenarioApp.Command>)] = []
        var joinTimes: [SimTime?] = []
        // First pass: create hosts (apps resolved in a second pass, once every address is known).
        for (gi, g) in spec.hosts.enumerated() {
            let region = g.region.flatMap { regionIndex[$0] } ?? 0
            let link = LinkSpec(up: g.up.bitsPerSecond, down: g.down.bitsPerSecond, latency: g.latency.duration, loss: g.loss)
            let nat = g.nat.preset.map { Self.natConfig($0, timeout: g.natTimeout, forwards: [:]) }
            // Join times: all at `join`, or a Poisson process from `join` with `arrival-gap` mean gaps.
            var random = SimRandom(seed: self.seed, stream: 0xA221_0000 &+ UInt64(gi))
            var t = SimTime.zero + (g.join?.duration ?? .zero)
            var members: [(String, SimTime?)] = []
            for name in g.hostNames {
                if let gap = g.arrivalGap { t += random.exponential(mean: gap.duration) }
                members.append((name, g.absent ? nil : t))
            }
            // Churn: every period, some members leave and new ones (named GROUP-jK) arrive.
            if let churn = g.churn {
                var alive = Array(0..<members.count)
                var tick = SimTime.zero + churn.every.duration
                var k = 0
                // Stop once nothing can change: no arrivals, and no one left to leave.
                while tick < endTime, churn.join > 0 || (churn.leave > 0 && !alive.isEmpty) {
                    for _ in 0..<churn.leave where !alive.isEmpty {
                        let i = alive.remove(at: Int(random.next() % UInt64(alive.count)))
                        churnControls.append((tick, .leave(builder.hosts.count + i)))
                    }
                    for _ in 0..<churn.join {
                        k += 1
                        alive.append(members.count)
                        members.append(("\(g.group)-j\(k)", tick))
                    }
                    tick += churn.every.duration
                }
            }
            let first = builder.hosts.count
            for (name, joinAt) in members {
                let id = builder.addHost(name: name, group: g.group, region: region, link: link, nat: nat, app: .idle, joinAt: joinAt)
                joinTimes.append(joinAt)
                targets[name, default: []].append(id)
                if members.count > 1 { targets[g.group, default: []].append(id) }
                names.append(name)
            }
            ranges.append(first..<builder.hosts.count)
        }
        self.targets = targets
        self.hostNames = names
        self.groupRanges = ranges
        // Second pass: port forwards (they need the private address) and applications.
        var nodes = builder.hosts
        let torrents = scenario.torrents
        let bootstrap = Self.dhtBootstrap(spec, targets: targets, ranges: ranges, builder: builder)
        for (gi, g) in spec.hosts.enumerated() {
            for next in ranges[gi] {
                if !g.forward.isEmpty, let box = nodes[next].nat {
                    var forwards: [UInt16: Endpoint] = [:]
                    for p in g.forward { forwards[p] = Endpoint(nodes[next].address, p) }
                    let config = Self.natConfig(g.nat.preset ?? .portRestricted, timeout: g.natTimeout, forwards: forwards)
                    nodes[next].nat = NATBox(publicAddress: box.publicAddress, config: config)
                }
                if let ping = g.app.ping {
                    let endpoints = ping.targets.flatMap { targets[$0] ?? [] }.map { builder.publicEndpoint(of: $0, port: ping.port) }
                    nodes[next].app = .ping(PingApp(config: .init(port: ping.port, targets: endpoints, interval: ping.interval.duration,
                                                                  size: Int(ping.size.bytes), connectEvery: ping.connectEvery)))
                }
                if let t = g.app.tracker {
                    nodes[next].app = .tracker(BTTracker(config: .init(port: t.port, interval: t.interval.duration)))
                }
                if let p = g.app.peer, let torrent = torrents[p.swarm], let swarm = spec.swarms.first(where: { $0.name == p.swarm }) {
                    let peer = BTPeer(config: Self.peerConfig(p, torrent: torrent, swarm: swarm, spec: spec, targets: targets, builder: builder))
                    if swarm.dht {
                        let own = builder.publicEndpoint(of: next, port: p.port)
                        let dht = DHTNode(config: Self.dhtConfig(spec.dht, port: p.port, bootstrap: bootstrap.filter { $0 != own }))
                        nodes[next].app = .dhtPeer(DHTPeer(peer: peer, dht: dht, interval: spec.dht.lookupInterval.duration))
                    } else {
                        nodes[next].app = .peer(peer)
                    }
                }
                if let d = g.app.dhtNode {
                    let own = builder.publicEndpoint(of: next, port: d.port)
                    var config = Self.dhtConfig(spec.dht, port: d.port, bootstrap: bootstrap.filter { $0 != own })
                    if !d.store { config.maxKeys = 0 }
                    nodes[next].app = .dhtNode(DHTNode(config: config))
                }
                if let f = g.app.fileServer {
                    nodes[next].app = .fileServer(FileServer(port: f.port))
                }
                if let f = g.app.fileClient, let torrent = torrents[f.swarm], let server = targets[f.server]?.first {
                    let port = spec.hosts.first { $0.group == f.server || $0.hostNames.contains(f.server) }?.app.fileServer?.port ?? 80
                    nodes[next].app = .fileClient(FileClient(server: builder.publicEndpoint(of: server, port: port), fileSize: torrent.totalLength))
                }
            }
        }
        // Session churn: each host's own alternation of sessions and downtimes from its join time.
        var sessionControls: [(SimTime, NetControl<ScenarioApp.Command>)] = []
        for (gi, g) in spec.hosts.enumerated() {
            guard let sessions = g.sessions else { continue }
            let model = ChurnModel(session: sessions.session.distribution, downtime: sessions.downtime.distribution,
                                   departure: sessions.departure == "crash" ? .crash : .leave)
            for node in ranges[gi] {
                guard let joinAt = joinTimes[node] else { continue }
                for e in model.events(for: [node], from: joinAt, until: endTime, seed: self.seed) {
                    let control: NetControl<ScenarioApp.Command>
                    switch (model.departure, e.up) {
                    case (.leave, false): control = .leave(e.host)
                    case (.leave, true): control = .join(e.host)
                    case (.crash, false): control = .crash(e.host)
                    case (.crash, true): control = .restart(e.host)
                    }
                    sessionControls.append((e.time, control))
                }
            }
        }
        builder.replaceHosts(nodes)
        simulation = builder.build(seed: self.seed, threads: threads, connectTimeout: spec.options.connectTimeout.duration,
                                   logNATDrops: spec.options.logNatDrops, logCapacity: spec.options.logCapacity)
        if let logSink {
            let names = hostNames
            simulation.logSink = { logSink($0, names) }
        }
        for inj in spec.timeline { schedule(inj) }
        for (t, c) in churnControls + sessionControls { simulation.state.scheduleControl(c, at: t) }
        // Apply what happens at time zero (hosts joining), so the state at the start shows them up; an
        // injection at 0 s belongs to round 1's row (and comes back with it when stepping back to the start).
        let logBefore = simulation.state.log.totalRecorded
        while simulation.state.nextControlTime == .zero { simulation.step() }
        collectInjections(since: logBefore)
        injectionsAtStart = injectionsThisRound
        totalsAtRoundStart = totals()
        if keepCheckpoints { checkpoints.append(simulation.state) }
    }

    /// The endpoints DHT nodes bootstrap through: the hosts `dht.bootstrap` names; else every `dht-node`
    /// host; else the first 8 peers of DHT swarms that are not behind a NAT.
    static func dhtBootstrap(_ spec: ScenarioSpec, targets: [String: [NodeID]], ranges: [Range<Int>],
                             builder: InternetBuilder<ScenarioApp>) -> [Endpoint] {
        func port(ofGroup g: HostGroupSpec) -> UInt16 { g.app.dhtNode?.port ?? g.app.peer?.port ?? 6881 }
        func groupIndex(of node: NodeID) -> Int? { ranges.firstIndex { $0.contains(node) } }
        var out: [Endpoint] = []
        if !spec.dht.bootstrap.isEmpty {
            for name in spec.dht.bootstrap {
                for node in targets[name] ?? [] {
                    guard let gi = groupIndex(of: node) else { continue }
                    out.append(builder.publicEndpoint(of: node, port: port(ofGroup: spec.hosts[gi])))
                }
            }
            return out
        }
        let routers = spec.hosts.indices.filter { spec.hosts[$0].app.dhtNode != nil }
        if !routers.isEmpty {
            return routers.flatMap { gi in ranges[gi].map { builder.publicEndpoint(of: $0, port: port(ofGroup: spec.hosts[gi])) } }
        }
        for (gi, g) in spec.hosts.enumerated() where g.nat == .none {
            guard let p = g.app.peer, spec.swarms.contains(where: { $0.name == p.swarm && $0.dht }) else { continue }
            for node in ranges[gi] where out.count < 8 { out.append(builder.publicEndpoint(of: node, port: p.port)) }
        }
        return out
    }

    /// A DHT node's configuration from the scenario's `dht` section.
    static func dhtConfig(_ d: DHTSpec, port: UInt16, bootstrap: [Endpoint]) -> DHTNode.Config {
        DHTNode.Config(port: port, bootstrap: bootstrap, k: d.k, alpha: d.alpha, queryTimeout: d.queryTimeout.duration,
                       republishInterval: d.republishInterval, peerTTL: d.peerTtl.duration)
    }

    /// A peer's configuration from its group's `peer` section.
    static func peerConfig(_ p: PeerSpec, torrent: TorrentInfo, swarm: SwarmSpec, spec: ScenarioSpec,
                           targets: [String: [NodeID]], builder: InternetBuilder<ScenarioApp>) -> BTPeer.Config {
        var tracker: Endpoint?
        if !p.magnet, let t = swarm.tracker, let host = targets[t]?.first {
            let port = spec.hosts.first { $0.group == t || $0.hostNames.contains(t) }?.app.tracker?.port ?? 6969
            tracker = builder.publicEndpoint(of: host, port: port)
        }
        var c = BTPeer.Config(torrent: torrent, tracker: tracker)
        c.port = p.port
        c.startAsSeed = p.seed
        c.selection = PieceSelection(rawValue: p.selection) ?? .rarestFirst
        c.seeding = p.seedingPolicy ?? .forever
        c.freeRider = p.freeRider
        c.optimisticUnchoke = p.optimisticUnchoke
        c.seedChoking = SeedChoking(rawValue: p.seedChoking) ?? .uploadRate
        c.uploadSlots = p.uploadSlots
        c.pipeline = p.pipeline
        c.maxConnections = p.maxConnections
        c.endgame = p.endgame
        return c
    }

    /// The NAT configuration of a group. The schema has already refused timeouts under RFC 4787's 120 s,
    /// so the fallback to the default timeout is never taken for a loaded scenario.
    static func natConfig(_ preset: NATPreset, timeout: TimeSpan?, forwards: [UInt16: Endpoint]) -> NATConfig {
        let t = timeout?.duration ?? NATConfig.defaultMappingTimeout
        return (try? NATConfig(preset: preset, mappingTimeout: t, portForwards: forwards))
            ?? NATConfig(preset: preset, portForwards: forwards)
    }

    /// Schedules an injection from the timeline (or typed live) at its time.
    public func schedule(_ injection: InjectionSpec) {
        let t = SimTime.zero + injection.at.duration
        for c in controls(for: injection.action) { simulation.state.scheduleControl(c, at: max(t, simulation.now)) }
    }

    /// The control actions an injection stands for (one per host it names).
    public func controls(for action: InjectionSpec.Action) -> [NetControl<ScenarioApp.Command>] {
        func nodes(_ name: String) -> [NodeID] { targets[name] ?? [] }
        switch action {
        case .crash(let n): return nodes(n).map { .crash($0) }
        case .restart(let n): return nodes(n).map { .restart($0) }
        case .join(let n): return nodes(n).map { .join($0) }
        case .leave(let n): return nodes(n).map { .leave($0) }
        case .linkDown(let n): return nodes(n).map { .linkDown($0) }
        case .linkUp(let n): return nodes(n).map { .linkUp($0) }
        case .setRate(let n, let up, let down): return nodes(n).map { .setRate($0, up: up?.bitsPerSecond, down: down?.bitsPerSecond) }
        case .setLoss(let n, let l): return nodes(n).map { .setLoss($0, l) }
        case .partition(let ns): return [.partition(ns.flatMap(nodes), name: ns.joined(separator: "+"))]
        case .heal: return [.heal]
        case .freeRide(let n): return nodes(n).map { .command($0, .peer(.freeRide(true))) }
        case .leaveSwarm(let n): return nodes(n).map { .command($0, .peer(.leaveSwarm)) }
        }
    }

    /// Rounds in the whole run (the last may be shorter than the round length).
    public var totalRounds: Int {
        let whole = endTime.nanoseconds
        return Int((whole + roundLength.nanoseconds - 1) / roundLength.nanoseconds)
    }

    /// Rounds completed.
    public var completedRounds: Int { rows.count }

    /// Whether every round has run (the last one through the end time, events at that instant included).
    public var isFinished: Bool { rows.count >= totalRounds }

    /// Runs the next round (or the rest of it, if the run stopped mid-round). Returns its row, or nil if the
    /// run is over or was paused.
    @discardableResult
    public func runRound(shouldStop: (SimTime) -> Bool = { _ in false }) -> RoundRow? {
        guard !isFinished else { return nil }
        let before = rows.count
        advance(to: nextBoundary, shouldStop: shouldStop)
        return rows.count > before ? rows.last : nil
    }

    /// The end of the current round.
    public var nextBoundary: SimTime { min(endTime, .zero + roundLength * Int64(rows.count + 1)) }

    /// Runs until virtual time `time` (at most the end), completing the rows of every round boundary on the
    /// way. Returns false if paused by `shouldStop`.
    @discardableResult
    public func advance(to time: SimTime, shouldStop: (SimTime) -> Bool = { _ in false }) -> Bool {
        let target = min(time, endTime)
        // Also when the clock already stands at the round's end (a `stepEvent` delivered an event at that
        // instant) but the round is not complete: what remains at that instant runs, then the row is made.
        while simulation.now < target || (simulation.now == nextBoundary && target >= nextBoundary && !isFinished) {
            let boundary = nextBoundary
            let until = min(boundary, target)
            let logBefore = simulation.state.log.totalRecorded
            // A round includes what happens at exactly its end (a rechoke at 10 s, an injection at 60 s).
            let stop = until == boundary ? simulation.run(through: until, shouldStop: shouldStop)
                : simulation.run(until: until, shouldStop: shouldStop)
            collectInjections(since: logBefore)
            if stop == .paused { return false }
            if until == boundary {
                rows.append(makeRow(at: boundary))
                if keepsCheckpoints { checkpoints.append(simulation.state) }
            }
        }
        return true
    }

    /// Runs until `condition` holds, checking it every `interval` of virtual time, or to the end.
    /// Returns whether the condition held.
    @discardableResult
    public func run(until condition: (ScenarioRun) -> Bool, checkingEvery interval: SimDuration = .seconds(1)) -> Bool {
        while !condition(self) {
            guard !isFinished else { return false }
            advance(to: simulation.now + interval)
        }
        return true
    }

    /// Delivers exactly one event (or applies one injection): the dashboard's "next event".
    /// Completes the round's row if that reaches its end.
    @discardableResult
    public func stepEvent() -> Bool {
        guard let t = simulation.nextTime, t <= endTime else {
            advance(to: endTime)
            return false
        }
        if t > nextBoundary { advance(to: nextBoundary); return true }
        let logBefore = simulation.state.log.totalRecorded
        simulation.step()
        collectInjections(since: logBefore)
        return true
    }

    /// Runs to the end, calling `progress` after every round.
    public func runToEnd(shouldStop: (SimTime) -> Bool = { _ in false }, progress: (RoundRow) -> Void = { _ in }) {
        while let row = runRound(shouldStop: shouldStop) { progress(row) }
    }

    /// Restores the complete state at the end of round `k` (0 = the start). Requires `keepCheckpoints`.
    public func restore(round k: Int) {
        precondition(keepsCheckpoints && k < checkpoints.count, "no checkpoint for round \(k)")
        simulation.state = checkpoints[k]
        checkpoints.removeSubrange((k + 1)...)
        rows.removeSubrange(k...)
        totalsAtRoundStart = totals()
        injectionsThisRound = k == 0 ? injectionsAtStart : []
    }

    /// The DHT's activity in the round `(from, to]` (the first round also takes time zero), or nil if no
    /// host runs a DHT node.
    func dhtRound(from: SimTime, to: SimTime, queries: Int) -> RoundRow.DHTRound? {
        guard scenario.spec.usesDHT else { return nil }
        let nodes = simulation.state.nodes.lazy.compactMap { $0.running ? $0.app.dht : nil }
        let start = from == .zero ? from : from + .nanoseconds(1)
        let m = DHTMetrics.aggregate(nodes, window: start..<(to + .nanoseconds(1)))
        func some(_ x: Double) -> Double? { m.lookups > 0 ? round3(x) : nil }
        return RoundRow.DHTRound(lookups: m.lookups, succeeded: m.succeeded,
                                 hopsMean: some(m.hops.mean), hopsMedian: some(m.hops.median), hopsP95: some(m.hops.p95),
                                 latencyMeanMs: some(m.latencyMs.mean), latencyMedianMs: some(m.latencyMs.median), latencyP95Ms: some(m.latencyMs.p95),
                                 messagesMean: some(m.messages.mean),
                                 peersPerGetPeersMean: m.peersPerGetPeers.count > 0 ? round3(m.peersPerGetPeers.mean) : nil,
                                 queries: queries, nodesRunning: m.running, routingFill: round3(m.routingFill), storedPeers: m.storedPeers,
                                 keysPerNodeMean: round3(m.keysPerNode.mean), keysPerNodeMax: Int(m.keysPerNode.max))
    }

    /// The timeline's `join` and `leave` entries in the round ending at `end`, `(start, end]` (the first
    /// round also takes time zero): the network logs them as host arrivals and departures (like churn), not
    /// as injections, so they are taken from the timeline.
    func timelineMoves(before end: SimTime) -> [String] {
        let start = SimTime.zero + roundLength * Int64(rows.count)
        return scenario.spec.timeline.compactMap { inj -> String? in
            let t = SimTime.zero + inj.at.duration
            guard t > start || (start == .zero && t == .zero), t <= end else { return nil }
            switch inj.action {
            case .join(let n): return "join \(n)"
            case .leave(let n): return "leave \(n)"
            default: return nil
            }
        }
    }

    private func collectInjections(since before: Int) {
        let log = simulation.state.log
        let fresh = min(log.totalRecorded - before, log.entries.count)
        for e in log.entries.suffix(fresh) where e.node == nil && e.kind.hasPrefix("inject.") {
            // A command to an application is named by the command itself ("leave-swarm seed", not "command seed").
            let what = e.kind == "inject.command" ? e["command"]?.description ?? "command" : String(e.kind.dropFirst("inject.".count))
            let target = e["host"]?.description ?? e["name"]?.description
            injectionsThisRound.append(target.map { "\(what) \($0)" } ?? what)
        }
    }

    func totals() -> Totals {
        var t = Totals()
        for h in simulation.state.nodes {
            t.counters = t.counters + h.counters
            if h.running { t.running += 1 }
            if let d = h.app.dht { t.dhtQueries += d.metrics.queriesSent }
            if let m = h.app.ping?.metrics {
                t.ping.probesSent += m.probesSent
                t.ping.repliesReceived += m.repliesReceived
                t.ping.rttTotal = t.ping.rttTotal + m.rttTotal
                t.ping.connectsSucceeded += m.connectsSucceeded
                t.ping.connectsFailed += m.connectsFailed
            }
        }
        t.events = simulation.state.eventsDelivered
        return t
    }

    private func makeRow(at time: SimTime) -> RoundRow {
        let now = totals(), was = totalsAtRoundStart
        totalsAtRoundStart = now
        defer { injectionsThisRound = [] }
        let replies = now.ping.repliesReceived - was.ping.repliesReceived
        let sample = swarmSample()
        let rtt = replies > 0 ? Double((now.ping.rttTotal - was.ping.rttTotal).nanoseconds) / Double(replies) / 1e6 : nil
        return RoundRow(
            round: rows.count + 1, timeS: time.seconds, events: now.events &- was.events, hostsRunning: now.running,
            packetsSent: now.counters.packetsSent - was.counters.packetsSent,
            bytesSent: now.counters.bytesSent - was.counters.bytesSent,
            packetsReceived: now.counters.packetsReceived - was.counters.packetsReceived,
            bytesReceived: now.counters.bytesReceived - was.counters.bytesReceived,
            droppedNat: now.counters.droppedNAT - was.counters.droppedNAT,
            droppedLoss: now.counters.droppedLoss - was.counters.droppedLoss,
            droppedDown: now.counters.droppedDown - was.counters.droppedDown,
            droppedPartition: now.counters.droppedPartition - was.counters.droppedPartition,
            connectionsOpened: now.counters.connectionsOpened - was.counters.connectionsOpened,
            connectionsFailed: now.counters.connectionsFailed - was.counters.connectionsFailed,
            pingProbes: now.ping.probesSent - was.ping.probesSent, pingReplies: replies,
            pingRttMeanMs: rtt.map { ($0 * 1000).rounded() / 1000 }, injections: timelineMoves(before: time) + injectionsThisRound,
            swarmCompleted: sample?.completed, minAvailability: sample?.minAvailability, singleCopyPieces: sample?.singleCopy,
            rarity: sample?.histogram, dht: dhtRound(from: .zero + roundLength * Int64(rows.count), to: time, queries: now.dhtQueries - was.dhtQueries))
    }
}

/// Fixed-point text for a Double (no locale, no exponent), trailing zeros trimmed. Values that do not fit
/// (not finite, or beyond 9·10^17 once scaled) are spelled out instead of trapping.
func formatDecimal(_ value: Double, places: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (value * scale).rounded()
    guard abs(scaled) < 9e17 else { return "\(value)" }
    let negative = scaled < 0
    let digits = String(Int64(abs(scaled)))
    let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
    let whole = padded.dropLast(places), frac = padded.suffix(places)
    var s = places > 0 ? "\(whole).\(frac)" : String(whole)
    while places > 0, s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return (negative && s != "0" ? "-" : "") + s
}
