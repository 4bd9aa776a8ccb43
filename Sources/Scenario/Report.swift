public import DHT
import Foundation
import Network
import SimKernel

/// The final report of a run: the same content for every output format. Fields are documented in
/// `docs/report-format.md`. It contains nothing that depends on the machine (no wall-clock time, no
/// thread count), so the same scenario and seed give a byte-identical report.
public struct RunReport: Sendable, Codable, Hashable {
    /// Report format version.
    public var format = 1
    public var scenario: String
    public var file: String
    public var seed: UInt64
    /// Hash over every delivered event (16 hex digits): equal fingerprints mean identical runs.
    public var fingerprint: String
    /// Virtual time reached, in seconds, and as text.
    public var virtualTimeS: Double
    public var virtualTime: String
    public var roundLengthS: Double
    public var rounds: [RoundRow]
    public var eventsDelivered: UInt64
    public var hosts: HostSummary
    public var totals: TrafficTotals
    public var nat: NATTotals
    public var ping: PingTotals?
    /// BitTorrent swarms (empty when none).
    public var swarms: [SwarmReport]
    /// The client–server baseline, when the scenario has file clients.
    public var clientServer: ClientServerReport?
    /// The DHT over the whole run, when hosts run DHT nodes.
    public var dht: DHTMetrics?
    public var groups: [GroupReport]
    public var injections: [InjectionRecord]
    public var log: LogSummary

    public struct HostSummary: Sendable, Codable, Hashable {
        public var total: Int
        public var running: Int
        public var behindNat: Int
        public var `public`: Int
    }

    public struct TrafficTotals: Sendable, Codable, Hashable {
        public var packetsSent: Int
        public var bytesSent: Int64
        public var packetsReceived: Int
        public var bytesReceived: Int64
        public var droppedNat: Int
        public var droppedLoss: Int
        public var droppedDown: Int
        public var droppedPartition: Int
        public var droppedUnroutable: Int
        public var connectionsOpened: Int
        public var connectionsAccepted: Int
        public var connectionsFailed: Int
    }

    public struct NATTotals: Sendable, Codable, Hashable {
        public var boxes: Int
        public var translatedOut: Int
        public var translatedIn: Int
        public var droppedUnsolicited: Int
        public var droppedFiltered: Int
        public var droppedHairpin: Int
        public var mappingsExpired: Int
        public var mappingsLive: Int
    }

    public struct PingTotals: Sendable, Codable, Hashable {
        public var probesSent: Int
        public var repliesReceived: Int
        /// Replies / probes, 0…1.
        public var replyRatio: Double
        /// Mean and largest round-trip time, in ms (null without replies).
        @NullEncoded public var rttMeanMs: Double?
        @NullEncoded public var rttMaxMs: Double?
        public var connectsSucceeded: Int
        public var connectsFailed: Int
    }

    public struct GroupReport: Sendable, Codable, Hashable {
        public var name: String
        public var hosts: Int
        public var nat: String
        public var app: String
        public var running: Int
        public var bytesSent: Int64
        public var bytesReceived: Int64
        public var droppedNat: Int
        public var pingProbes: Int?
        public var pingReplies: Int?
    }

    public struct InjectionRecord: Sendable, Codable, Hashable {
        public var timeS: Double
        public var action: String
        public var target: String?
    }

    public struct LogSummary: Sendable, Codable, Hashable {
        public var recorded: Int
        public var retained: Int
        public var byKind: [String: Int]
    }
}

extension ScenarioRun {
    /// The report of the run so far.
    public func report() -> RunReport {
        let state = simulation.state
        let t = totals()
        var nat = RunReport.NATTotals(boxes: 0, translatedOut: 0, translatedIn: 0, droppedUnsolicited: 0, droppedFiltered: 0,
                                      droppedHairpin: 0, mappingsExpired: 0, mappingsLive: 0)
        for h in state.nodes {
            guard let box = h.nat else { continue }
            nat.boxes += 1
            nat.translatedOut += box.stats.translatedOut
            nat.translatedIn += box.stats.translatedIn
            nat.droppedUnsolicited += box.stats.droppedUnsolicited
            nat.droppedFiltered += box.stats.droppedFiltered
            nat.droppedHairpin += box.stats.droppedHairpin
            nat.mappingsExpired += box.stats.expired
            nat.mappingsLive += box.mappings(at: state.now).count
        }
        let pingHosts = state.nodes.compactMap(\.app.ping)
        var ping: RunReport.PingTotals?
        if !pingHosts.isEmpty {
            let m = pingHosts.map(\.metrics)
            let probes = m.reduce(0) { $0 + $1.probesSent }, replies = m.reduce(0) { $0 + $1.repliesReceived }
            let rtt = m.reduce(SimDuration.zero) { $0 + $1.rttTotal }
            ping = RunReport.PingTotals(
                probesSent: probes, repliesReceived: replies,
                replyRatio: probes > 0 ? round3(Double(replies) / Double(probes)) : 0,
                rttMeanMs: replies > 0 ? round3(Double(rtt.nanoseconds) / Double(replies) / 1e6) : nil,
                rttMaxMs: replies > 0 ? round3(Double((m.map(\.rttMax).max() ?? .zero).nanoseconds) / 1e6) : nil,
                connectsSucceeded: m.reduce(0) { $0 + $1.connectsSucceeded }, connectsFailed: m.reduce(0) { $0 + $1.connectsFailed })
        }
        var groups: [RunReport.GroupReport] = []
        for (gi, g) in scenario.spec.hosts.enumerated() {
            let members = state.nodes[groupRanges[gi]]
            let c = members.reduce(HostCounters()) { $0 + $1.counters }
            let pings = members.compactMap(\.app.ping?.metrics)
            groups.append(RunReport.GroupReport(
                name: g.group, hosts: members.count, nat: g.nat.rawValue, app: members.first?.app.kind ?? "idle",
                running: members.filter(\.running).count, bytesSent: c.bytesSent, bytesReceived: c.bytesReceived, droppedNat: c.droppedNAT,
                pingProbes: pings.isEmpty ? nil : pings.reduce(0) { $0 + $1.probesSent },
                pingReplies: pings.isEmpty ? nil : pings.reduce(0) { $0 + $1.repliesReceived }))
        }
        var byKind: [String: Int] = [:]
        for e in state.log.entries { byKind[e.kind, default: 0] += 1 }
        let injections = scenario.spec.timeline.map { inj -> RunReport.InjectionRecord in
            let target: String?
            switch inj.action {
            case .crash(let n), .restart(let n), .join(let n), .leave(let n), .linkDown(let n), .linkUp(let n): target = n
            case .setRate(let n, _, _), .setLoss(let n, _): target = n
            case .partition(let ns): target = ns.joined(separator: ",")
            case .heal: target = nil
            case .freeRide(let n), .leaveSwarm(let n): target = n
            }
            return RunReport.InjectionRecord(timeS: inj.at.duration.seconds, action: inj.actionKey, target: target)
        }
        let c = t.counters
        return RunReport(
            scenario: scenario.spec.name, file: scenario.file, seed: seed, fingerprint: state.fingerprintHex,
            virtualTimeS: state.now.seconds, virtualTime: state.now.description, roundLengthS: roundLength.seconds,
            rounds: rows, eventsDelivered: t.events,
            hosts: .init(total: state.nodes.count, running: t.running, behindNat: state.nodes.filter { $0.nat != nil }.count,
                         public: state.nodes.filter { $0.nat == nil }.count),
            totals: .init(packetsSent: c.packetsSent, bytesSent: c.bytesSent, packetsReceived: c.packetsReceived, bytesReceived: c.bytesReceived,
                          droppedNat: c.droppedNAT, droppedLoss: c.droppedLoss, droppedDown: c.droppedDown,
                          droppedPartition: c.droppedPartition, droppedUnroutable: c.droppedUnroutable,
                          connectionsOpened: c.connectionsOpened, connectionsAccepted: c.connectionsAccepted, connectionsFailed: c.connectionsFailed),
            nat: nat, ping: ping, swarms: swarmReports(), clientServer: clientServerReport(),
            dht: scenario.spec.usesDHT ? DHTMetrics.aggregate(state.nodes.lazy.compactMap(\.app.dht)) : nil,
            groups: groups, injections: injections,
            log: .init(recorded: state.log.totalRecorded, retained: state.log.entries.count, byKind: byKind))
    }
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

/// `1 round`, `12 rounds`.
public func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

extension RunReport {
    /// The report as one JSON document: snake_case keys, sorted, pretty-printed, ending in a newline.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of numbers and strings cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The per-round rows as CSV with a header line.
    public func csv() -> String {
        ([RoundRow.csvHeader] + rounds.map(\.csvLine)).joined(separator: "\n") + "\n"
    }

    /// The final summary for people (the text format prints rounds as they complete, then this).
    public func text() -> String {
        var out: [String] = []
        out.append("scenario     \(scenario) (\(file))")
        out.append("seed         \(seed)")
        out.append("virtual time \(virtualTime) in \(plural(rounds.count, "round")) of \(formatDecimal(roundLengthS, places: 3))s; \(eventsDelivered) events")
        out.append("hosts        \(hosts.total) (\(hosts.public) public, \(hosts.behindNat) behind NAT), \(hosts.running) running at the end")
        out.append("traffic      \(totals.packetsSent) packets / \(humanBytes(totals.bytesSent)) sent, \(totals.packetsReceived) packets / \(humanBytes(totals.bytesReceived)) received")
        out.append("dropped      \(totals.droppedNat) by NATs, \(totals.droppedLoss) lost, \(totals.droppedDown) at down links or hosts, \(totals.droppedPartition) by partitions")
        if nat.boxes > 0 {
            out.append("NATs         \(nat.boxes) boxes: \(nat.translatedOut) out, \(nat.translatedIn) in; refused \(nat.droppedUnsolicited) unsolicited, \(nat.droppedFiltered) filtered; \(nat.mappingsLive) live mappings")
        }
        out.append("connections  \(totals.connectionsOpened) opened, \(totals.connectionsAccepted) accepted, \(totals.connectionsFailed) failed")
        if let p = ping {
            let rtt = p.rttMeanMs.map { "mean RTT \(formatDecimal($0, places: 1)) ms, max \(formatDecimal(p.rttMaxMs ?? 0, places: 1)) ms" } ?? "no replies"
            out.append("ping         \(p.repliesReceived)/\(p.probesSent) probes answered (\(formatDecimal(p.replyRatio * 100, places: 1))%), \(rtt)")
        }
        for s in swarms {
            let dist = s.distributionTimeS.map { "distribution time \(formatDecimal($0, places: 1)) s" } ?? "not everyone finished"
            out.append("swarm        \(s.name): \(humanBytes(s.fileBytes)) in \(plural(s.pieces, "piece")); \(s.completed)/\(s.leechers) leechers complete, \(dist)")
            out.append("             lower bounds: P2P \(formatDecimal(s.lowerBoundP2pS, places: 1)) s, client-server \(formatDecimal(s.lowerBoundClientServerS, places: 1)) s; uplink use \(formatDecimal(s.uplinkUtilisation * 100, places: 1))%")
            out.append("             \(s.connectable) connectable, \(s.unconnectable) behind NATs without a forward")
            if s.discovery != "tracker" || s.stranded > 0 {
                out.append("             peers found via \(s.discovery): \(s.peersFromTracker) from the tracker, \(s.peersFromDht) from the DHT; \(s.stranded) leecher\(s.stranded == 1 ? "" : "s") stranded")
            }
            if s.freeRiders.count > 0 {
                func mean(_ g: SwarmReport.GroupStats) -> String { g.meanCompletionS.map { "\(formatDecimal($0, places: 1)) s" } ?? "-" }
                out.append("             free-riders \(s.freeRiders.completed)/\(s.freeRiders.count) done, mean \(mean(s.freeRiders)); contributors mean \(mean(s.contributors))")
            }
        }
        if let d = dht {
            out.append("dht          \(d.running)/\(d.nodes) nodes running; \(d.lookups) lookups, \(formatDecimal(d.successRate * 100, places: 1))% succeeded; hops mean \(formatDecimal(d.hops.mean, places: 2)) p95 \(formatDecimal(d.hops.p95, places: 0)); latency median \(formatDecimal(d.latencyMs.median, places: 0)) ms")
            out.append("             \(formatDecimal(d.messages.mean, places: 1)) queries per lookup, \(formatDecimal(d.peersPerGetPeers.mean, places: 1)) peers per get_peers; routing tables \(formatDecimal(d.routingFill * 100, places: 0))% full; \(formatDecimal(d.keysPerNode.mean, places: 2)) keys per node (max \(formatDecimal(d.keysPerNode.max, places: 0)))")
        }
        if let cs = clientServer {
            let dist = cs.distributionTimeS.map { "distribution time \(formatDecimal($0, places: 1)) s" } ?? "not everyone finished"
            out.append("client-server \(cs.completed)/\(cs.clients) clients complete, \(dist); lower bound \(formatDecimal(cs.lowerBoundS, places: 1)) s")
        }
        if !injections.isEmpty {
            out.append("injections   " + injections.map { "\(formatDecimal($0.timeS, places: 3))s \($0.action)\($0.target.map { " " + $0 } ?? "")" }.joined(separator: ", "))
        }
        out.append("groups")
        for g in groups {
            var line = "  \(g.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(g.hosts) host\(g.hosts == 1 ? " " : "s") nat=\(g.nat) app=\(g.app) running=\(g.running) sent=\(humanBytes(g.bytesSent)) recv=\(humanBytes(g.bytesReceived))"
            if let p = g.pingProbes, let r = g.pingReplies { line += " ping=\(r)/\(p)" }
            if g.droppedNat > 0 { line += " nat-drops=\(g.droppedNat)" }
            out.append(line)
        }
        out.append("log          \(log.recorded) entries (\(log.retained) kept)")
        out.append("fingerprint  \(fingerprint)")
        return out.joined(separator: "\n") + "\n"
    }

    /// The header of the per-round text table (`swarm`: add the swarm columns: leechers done, copies of the
    /// rarest piece; `dht`: DHT lookups finished in the round and their mean hops).
    public static func roundTableHeader(swarm: Bool, dht: Bool = false) -> String {
        "round   time   events  running  pkts-sent  bytes-sent  nat-drop  lost  down  conn-fail  ping  rtt-ms" + (swarm ? "  done rarest" : "")
            + (dht ? " lookups hops" : "") + "  injections"
    }

    /// One line of the per-round text table.
    public static func roundLine(_ r: RoundRow) -> String {
        // Right-aligned, and always at least one space from the column before, even when a value is wider.
        func col(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(1, w - s.count)) + s }
        let rtt = r.pingRttMeanMs.map { formatDecimal($0, places: 1) } ?? "-"
        return col("\(r.round)", 5) + col(formatDecimal(r.timeS, places: 1) + "s", 7) + col("\(r.events)", 9) + col("\(r.hostsRunning)", 9)
            + col("\(r.packetsSent)", 11) + col(humanBytes(r.bytesSent), 12) + col("\(r.droppedNat)", 10) + col("\(r.droppedLoss)", 6)
            + col("\(r.droppedDown)", 6) + col("\(r.connectionsFailed)", 11) + col("\(r.pingReplies)/\(r.pingProbes)", 6) + col(rtt, 8)
            + (r.swarmCompleted.map { col("\($0)", 6) + col("\(r.minAvailability ?? 0)", 6) } ?? "")
            + (r.dht.map { col("\($0.lookups)", 8) + col($0.hopsMean.map { formatDecimal($0, places: 1) } ?? "-", 5) } ?? "")
            + (r.injections.isEmpty ? "" : "  " + r.injections.joined(separator: ", "))
    }
}

/// Bytes in binary units for people: `512 B`, `16.0 KiB`, `1.5 MiB`.
public func humanBytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n), i = 0
    while abs(v) >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(n) B" : "\(formatDecimal(v, places: 1)) \(units[i])"
}
