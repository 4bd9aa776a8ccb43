import DHT
import Network
public import Scenario
import SimKernel

extension DHTSnapshot {
    /// Lookups kept in a snapshot (the newest), read from the event log.
    static let lookupLimit = 200

    /// The DHT of a run, as the DHT view shows it: every host that runs a DHT node (a swarm peer with
    /// `dht: true`, or a `dht-node` host) and has started at least once, with its routing table; and the
    /// latest finished lookups (from the `dht.lookup.done` entries of the event log). Nil without a DHT.
    public static func capture(from run: ScenarioRun) -> DHTSnapshot? {
        let state = run.simulation.state
        let names = run.hostNames
        let now = state.now
        var members: [(id: Int, node: DHTNode, running: Bool)] = []
        /// Name and hex id of every started node (contacts repeat across tables: computed once).
        var known: [DHTID: (name: String, hex: String)] = [:]
        var config: DHTNode.Config?
        for (i, host) in state.nodes.enumerated() {
            guard let node = host.app.dht else { continue }
            if config == nil { config = node.config }
            // A node that has never started (an absent host) has no id and no table yet: not shown.
            guard node.hasID else { continue }
            members.append((i, node, host.running && node.isRunning))
            known[node.id] = (names[i], node.id.hex)
        }
        guard let config else { return nil }
        let seconds = UInt32(clamping: now.nanoseconds / 1_000_000_000)
        var nodes: [DHTNodeSnapshot] = []
        nodes.reserveCapacity(members.count)
        for m in members {
            let table = m.node.table
            var buckets: [DHTBucket] = []
            buckets.reserveCapacity(table.bucketCount)
            for b in 0..<table.bucketCount {
                let contacts = table.bucket(b).map { c -> DHTContact in
                    let st: DHTContact.State
                    switch table.state(of: c, at: seconds) {
                    case .good: st = .good
                    case .questionable: st = .questionable
                    case .bad: st = .bad
                    }
                    let who = known[c.id]
                    return DHTContact(name: who?.name ?? c.endpoint.description, id: who?.hex ?? c.id.hex, state: st,
                                      lastSeen: c.hasReplied ? .seconds(Int64(c.lastActive)) : nil)
                }
                buckets.append(DHTBucket(prefixLength: b, contacts: contacts))
            }
            nodes.append(DHTNodeSnapshot(name: names[m.id], id: known[m.node.id]?.hex ?? m.node.id.hex, isUp: m.running, buckets: buckets,
                                         keysStored: m.node.storage.keyCount, runningLookups: m.node.activeLookups))
        }
        // Who is behind each public address (a NAT box's address belongs to the one host behind it).
        var byAddress: [IPv4Address: String] = [:]
        for (i, host) in state.nodes.enumerated() { byAddress[host.nat?.publicAddress ?? host.address] = names[i] }
        return DHTSnapshot(k: config.k, alpha: config.alpha, nodes: nodes, lookups: lookups(state.log, names: names, byAddress: byAddress))
    }

    /// A lookup's path from its log entry (`STEP:ADDRESS:PORT:BITS:ANSWERED …`, see the DHT's `Lookup`).
    static func path(_ text: String, byAddress: [IPv4Address: String]) -> [DHTHop] {
        text.split(separator: " ").compactMap { token -> DHTHop? in
            let f = token.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 5, let step = Int(f[0]), let address = IPv4Address(String(f[1])) else { return nil }
            return DHTHop(step: step, node: byAddress[address] ?? "\(f[1]):\(f[2])", commonBits: Int(f[3]) ?? 0, answered: f[4] == "1")
        }
    }

    /// The newest finished lookups of the event log, oldest first.
    static func lookups(_ log: EventLog, names: [String], byAddress: [IPv4Address: String] = [:]) -> [DHTLookup] {
        var out: [DHTLookup] = []
        for e in log.entries.reversed() where e.kind == "dht.lookup.done" || e.kind == "dht.bootstrap.done" {
            guard out.count < lookupLimit else { break }
            let origin = e.node.map { $0 < names.count ? names[$0] : "#\($0)" } ?? "env"
            func int(_ key: String) -> Int? {
                switch e[key] {
                case .int(let v)?: return Int(v)
                case .double(let v)?: return Int(v)
                default: return nil
                }
            }
            func double(_ key: String) -> Double? {
                switch e[key] {
                case .int(let v)?: return Double(v)
                case .double(let v)?: return v
                default: return nil
                }
            }
            let bootstrap = e.kind == "dht.bootstrap.done"
            let ms = double("ms") ?? 0
            let started = max(.zero, e.time - SimDuration.nanoseconds(Int64(ms * 1e6)))
            var kind = bootstrap ? "bootstrap" : "lookup"
            if !bootstrap, case .string(let k)? = e["kind"] { kind = k }
            let target: String
            if case .string(let t)? = e["target"] { target = t } else { target = bootstrap ? "own id" : "?" }
            let ok = bootstrap ? (int("contacts") ?? 0) > 0 : int("ok") == 1
            var hops: [DHTHop] = []
            if case .string(let p)? = e["path"] { hops = path(p, byAddress: byAddress) }
            out.append(DHTLookup(origin: origin, target: target, kind: kind, status: ok ? .succeeded : .failed,
                                 started: bootstrap ? e.time : started, finished: e.time, hops: hops,
                                 peersFound: int("peers") ?? 0, hopCount: int("hops"), messages: int("messages"),
                                 storedAt: int("stored")))
        }
        return out.reversed()
    }
}
