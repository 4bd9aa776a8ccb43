import Network
public import Scenario
import SimKernel

extension DashboardSnapshot {
    /// A snapshot of `run` as it stands (paused, default speed, no rates measured yet).
    public static func capture(from run: ScenarioRun) -> DashboardSnapshot {
        var capturer = SnapshotCapturer()
        return capturer.capture(run)
    }
}

/// Builds snapshots of a run on the simulation thread. It keeps what it needs between snapshots:
/// byte-counter samples to measure each host's send and receive rates.
public struct SnapshotCapturer {
    /// Entries of the event log copied into each snapshot.
    public var logTail: Int
    private var samples: [(time: SimTime, sent: [Int64], received: [Int64])] = []

    public init(logTail: Int = 2_000) { self.logTail = logTail }

    /// Forgets the rate samples (after a restore: time went backwards).
    public mutating func reset() { samples.removeAll() }

    /// A snapshot of `run`, with the controller's run state.
    public mutating func capture(_ run: ScenarioRun, isRunning: Bool = false, speed: Speed = .default,
                                 eventsPerSecond: Double = 0, notice: Notice? = nil) -> DashboardSnapshot {
        let state = run.simulation.state
        let topology = state.model.topology
        let now = state.now
        let (sendRates, receiveRates) = rates(state.nodes.map(\.counters), at: now)
        let lastChange = Self.lastLifecycle(state.log)
        var hosts: [HostSnapshot] = []
        hosts.reserveCapacity(state.nodes.count)
        for (id, h) in state.nodes.enumerated() {
            let name = topology.hostNames[id]
            let status: HostSnapshot.Status
            if h.running {
                status = .running
            } else {
                switch lastChange[name] {
                case "inject.crash": status = .crashed
                case "host.leave": status = .left
                case nil where h.counters.packetsSent > 0: status = .crashed
                default: status = .absent
                }
            }
            hosts.append(HostSnapshot(
                id: id, name: name, group: topology.hostGroup[id], region: topology.regions[topology.hostRegion[id]],
                address: h.address, publicAddress: topology.publicAddress[id], nat: h.nat.map { Self.nat($0, at: now) },
                linkUp: h.linkUp, up: h.link.up, down: h.link.down, latency: h.link.latency, loss: h.link.loss,
                status: status, partition: topology.partition[id], counters: h.counters,
                sendRate: sendRates[id], receiveRate: receiveRates[id], app: h.app.kind, appDetails: Self.details(h.app),
                connections: h.connections.count, listening: h.listening))
        }
        let log = state.log
        var snapshot = DashboardSnapshot(
            scenario: run.scenario.spec.name, seed: run.seed, time: now, endTime: run.endTime, roundLength: run.roundLength,
            round: run.completedRounds, totalRounds: run.totalRounds, isRunning: isRunning, isFinished: run.isFinished,
            speed: speed, eventsPerSecond: eventsPerSecond, eventsDelivered: state.eventsDelivered,
            pendingEvents: state.pendingEventCount, fingerprint: state.fingerprintHex, regions: topology.regions, hosts: hosts,
            log: Array(log.entries.suffix(logTail)), logTotal: log.totalRecorded,
            nextEvent: Self.nextEvent(run), upcoming: Self.upcoming(run), rows: run.rows, notice: notice)
        snapshot.reserveGroups = run.scenario.spec.hosts.filter(\.absent).map(\.group)
        for contribute in DashboardExtensions.snapshotContributors { contribute(run, &snapshot) }
        return snapshot
    }

    // MARK: Parts

    /// Send and receive rates per host, bits/s, against the oldest sample of the last two seconds.
    mutating func rates(_ counters: [HostCounters], at now: SimTime) -> ([Int64], [Int64]) {
        let sent = counters.map(\.bytesSent), received = counters.map(\.bytesReceived)
        if let last = samples.last, last.time > now || last.sent.count != sent.count { samples.removeAll() }
        if samples.last.map({ now - $0.time >= .milliseconds(250) }) ?? true {
            samples.append((now, sent, received))
        }
        // Keep samples of the last 2 s, and the newest one older than that (so the window is ≥ 1 s when it can be).
        while samples.count > 2, now - samples[1].time >= .seconds(2) { samples.removeFirst() }
        guard let base = samples.first, now > base.time else {
            return (Array(repeating: 0, count: sent.count), Array(repeating: 0, count: sent.count))
        }
        let dt = (now - base.time).seconds
        func rate(_ a: Int64, _ b: Int64) -> Int64 { Int64((Double(max(0, a - b)) * 8 / dt).rounded()) }
        return (zip(sent, base.sent).map(rate), zip(received, base.received).map(rate))
    }

    /// The last lifecycle entry (`inject.crash`, `host.leave`, `inject.restart`, `host.join`) per host name.
    static func lastLifecycle(_ log: EventLog) -> [String: String] {
        var last: [String: String] = [:]
        for e in log.entries where e.node == nil {
            switch e.kind {
            case "inject.crash", "host.leave", "inject.restart", "host.join":
                if case .string(let h)? = e["host"] { last[h] = e.kind }
            default: break
            }
        }
        return last
    }

    static func nat(_ box: NATBox, at now: SimTime) -> NATSnapshot {
        NATSnapshot(
            preset: box.config.preset?.rawValue ?? "custom", mapping: box.config.mapping.rawValue,
            filtering: box.config.filtering.rawValue, mappingTimeout: box.config.mappingTimeout, publicAddress: box.publicAddress,
            forwards: box.config.portForwards.sorted { $0.key < $1.key }.map { NATSnapshot.PortForward(publicPort: $0.key, inside: $0.value) },
            mappings: box.mappings(at: now), stats: box.stats)
    }

    static func details(_ app: ScenarioApp) -> [Field] {
        guard let ping = app.ping else { return [] }
        let m = ping.metrics
        var fields = [
            Field("probes sent", "\(m.probesSent)"),
            Field("replies", "\(m.repliesReceived)"),
            Field("probes answered", "\(m.probesAnswered)"),
        ]
        if m.repliesReceived > 0 {
            let mean = Double(m.rttTotal.nanoseconds) / Double(m.repliesReceived) / 1e6
            fields.append(Field("rtt mean/max", "\(Format.milliseconds(mean)) / \(Format.milliseconds(Double(m.rttMax.nanoseconds) / 1e6))"))
        }
        if ping.config.connectEvery > 0 || m.connectionsAccepted > 0 {
            fields.append(Field("connects ok/failed", "\(m.connectsSucceeded) / \(m.connectsFailed)"))
            fields.append(Field("connections accepted", "\(m.connectionsAccepted)"))
        }
        fields.append(Field("probe every", Format.duration(ping.config.interval)))
        if !ping.config.targets.isEmpty {
            fields.append(Field("targets", ping.config.targets.map(\.description).joined(separator: " ")))
        }
        return fields
    }

    /// What a "next event" step would do: the earliest control action or event.
    static func nextEvent(_ run: ScenarioRun) -> NextEventSnapshot? {
        let state = run.simulation.state
        let names = state.model.topology.hostNames
        if let c = state.pendingControls.first, state.nextEvent.map({ c.time <= $0.time }) ?? true {
            let (host, text) = describe(c.control, names: names)
            return NextEventSnapshot(time: c.time, host: host, kind: "inject", summary: text)
        }
        guard let e = state.nextEvent else { return nil }
        let target = Int(e.target)
        let host = target < names.count ? names[target] : "#\(target)"
        switch e.message {
        case .start: return NextEventSnapshot(time: e.time, host: host, kind: "start", summary: "application starts")
        case .timer(let token, _):
            let name = target < state.nodes.count ? state.nodes[target].app.timerName(token) : nil
            return NextEventSnapshot(time: e.time, host: host, kind: "timer", summary: name ?? "timer \(token) fires")
        case .connectTimeout(let c, _):
            return NextEventSnapshot(time: e.time, host: host, kind: "connect-timeout", summary: "connection \(c) times out unless answered")
        case .command(let c, _): return NextEventSnapshot(time: e.time, host: host, kind: "command", summary: "command \(c)")
        case .arrive(let p):
            return NextEventSnapshot(time: e.time, host: host, kind: "arrive", summary: "\(packet(p)) reaches the access link")
        case .deliver(let p):
            return NextEventSnapshot(time: e.time, host: host, kind: "deliver", summary: "\(packet(p)) crosses the downlink")
        }
    }

    static func packet(_ p: Packet<ScenarioApp.Payload>) -> String {
        let what: String
        switch p.kind {
        case .datagram: what = "datagram"
        case .segment(_, let s): what = "\(s)".uppercased()
        }
        var text = "\(what) \(p.source) → \(p.destination), \(p.size) B"
        if let payload = p.payload { text += " (\(Self.payload(payload)))" }
        return text
    }

    static func payload(_ payload: ScenarioApp.Payload) -> String {
        if case .ping(let ping) = payload {
            switch ping {
            case .probe(let seq, _): return "ping probe #\(seq)"
            case .reply(let seq, _): return "ping reply #\(seq)"
            case .hello: return "hello"
            }
        }
        return shortDescription(payload)
    }

    /// `String(describing:)` without module prefixes, cut to 60 characters.
    static func shortDescription(_ value: Any) -> String {
        var s = String(describing: value)
        for prefix in ["Network.", "Scenario.", "BitTorrent.", "DHT.", "SimKernel."] { s = s.replacing(prefix, with: "") }
        return CellBuffer.fit(s, width: 60)
    }

    /// A control action in the words of the `:` command line, and the host it concerns.
    static func describe(_ control: Internet<ScenarioApp>.Control, names: [String]) -> (String?, String) {
        func n(_ id: NodeID) -> String { id < names.count ? names[id] : "#\(id)" }
        switch control {
        case .join(let id): return (n(id), "join \(n(id))")
        case .leave(let id): return (n(id), "leave \(n(id))")
        case .crash(let id): return (n(id), "crash \(n(id))")
        case .restart(let id): return (n(id), "restart \(n(id))")
        case .linkDown(let id): return (n(id), "link down \(n(id))")
        case .linkUp(let id): return (n(id), "link up \(n(id))")
        case .setRate(let id, let up, let down):
            var parts: [String] = []
            if let up { parts.append("up \(Format.capacity(up))bps") }
            if let down { parts.append("down \(Format.capacity(down))bps") }
            return (n(id), "set \(n(id)) " + parts.joined(separator: " "))
        case .setLoss(let id, let loss): return (n(id), "set \(n(id)).loss \(Format.decimal(loss, places: 3))")
        case .partition(let ids, let label): return (nil, "partition \(label) (\(ids.count) hosts)")
        case .heal: return (nil, "heal")
        case .command(let id, let c): return (n(id), "\(shortDescription(c)) \(n(id))")
        }
    }

    static func upcoming(_ run: ScenarioRun) -> [UpcomingInjection] {
        let state = run.simulation.state
        let names = state.model.topology.hostNames
        return state.pendingControls.prefix(100).map { UpcomingInjection(time: $0.time, description: describe($0.control, names: names).1) }
    }
}
