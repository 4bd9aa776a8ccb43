import Dispatch
import Foundation
import Synchronization
public import Network
public import SimKernel

/// Fills every DHT node's routing table as if the network had been running for a while, without
/// simulating the bootstrap (which would take hours of virtual time and millions of events at 100,000 nodes).
///
/// Each node gets the table that inserting every reachable node (all answering, all good) would have
/// produced under the BEP 5 rules: the own bucket split until at most k nodes share its range, every
/// other bucket holding `min(k, nodes in its range)` nodes drawn at random (deterministically from the
/// seed), all contacts good as of `now`. Ids not yet assigned are set with `DHTID.derived(seed:host:)`.
///
/// Only nodes others can reach unsolicited are entered in tables: hosts without a NAT, or whose NAT
/// forwards the DHT port. NATed nodes still get full tables (they can query; nobody can query them).
/// Small networks can instead bootstrap for real through `Config.bootstrap`.
public enum DHTWarmStart {
    /// Warm-starts the DHT nodes embedded in `hosts`' applications. `dht` gives access to a host's
    /// DHT node: call the body with it (and write it back), or do nothing for hosts without one.
    public static func apply<App: HostApplication>(to hosts: inout [Network.Host<App>], topology: Topology, seed: UInt64,
                                                   at now: SimTime = .zero,
                                                   dht: (inout App, (inout DHTNode) -> Void) -> Void) {
        var ids: [DHTID?] = Array(repeating: nil, count: hosts.count)
        var members: [(id: DHTID, endpoint: Endpoint)] = []
        for h in hosts.indices {
            let nat = hosts[h].nat
            dht(&hosts[h].app) { node in
                let id = node.hasID ? node.id : node.config.id ?? DHTID.derived(seed: seed, host: h)
                ids[h] = id
                let port = node.config.port
                if nat == nil || nat?.config.portForwards[port] != nil {
                    members.append((id, Endpoint(topology.publicAddress[h], port)))
                }
            }
        }
        members.sort { $0.id < $1.id }
        let sortedIDs = members.map(\.id), endpoints = members.map(\.endpoint)
        // Build the tables in parallel (each host draws from its own stream, so the result does not
        // depend on the thread count), then install them in order.
        var parameters: [(k: Int, goodWindow: SimDuration, maxFailures: Int)] = Array(repeating: (8, .seconds(900), 2), count: hosts.count)
        for h in hosts.indices where ids[h] != nil {
            dht(&hosts[h].app) { node in parameters[h] = (node.config.k, node.config.goodWindow, node.config.maxFailures) }
        }
        // Each chunk of hosts builds its tables into an array of its own and hands it over under a lock
        // (once per chunk): no memory is shared while the tables are built.
        let ownIDs = ids, tableParameters = parameters
        let count = hosts.count
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / 1000))
        let built = Mutex<[[(host: Int, table: RoutingTable)]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var mine: [(host: Int, table: RoutingTable)] = []
            for h in (c * count / chunks)..<((c + 1) * count / chunks) {
                guard let own = ownIDs[h] else { continue }
                var rng = SimRandom(seed: seed ^ 0x57A2_7D47_0000_0000, stream: UInt64(h))
                let p = tableParameters[h]
                mine.append((h, RoutingTable.warmStarted(own: own, k: p.k, sortedIDs: sortedIDs, endpoints: endpoints, at: now,
                                                         goodWindow: p.goodWindow, maxFailures: p.maxFailures, using: &rng)))
            }
            built.withLock { $0[c] = mine }
        }
        var tables: [[(host: Int, table: RoutingTable)]] = []
        built.withLock { swap(&tables, &$0) }
        // Installed in host order (the chunks cover ascending host ranges).
        for chunk in tables {
            for (h, table) in chunk {
                guard let own = ids[h] else { continue }
                dht(&hosts[h].app) { node in node.install(id: own, table: table) }
            }
        }
    }

    /// Warm-starts hosts that run a bare `DHTNode`.
    public static func apply(to hosts: inout [Network.Host<DHTNode>], topology: Topology, seed: UInt64, at now: SimTime = .zero) {
        apply(to: &hosts, topology: topology, seed: seed, at: now) { app, body in body(&app) }
    }
}

extension InternetBuilder where App == DHTNode {
    /// Warm-starts every host's DHT node (see `DHTWarmStart`); call after adding hosts, before `build`.
    public mutating func warmStartDHT(seed: UInt64, at now: SimTime = .zero) {
        var nodes = hosts
        DHTWarmStart.apply(to: &nodes, topology: topology, seed: seed, at: now)
        replaceHosts(nodes)
    }
}

extension InternetBuilder where App == DHTNode {
    /// Sets every DHT node's bootstrap list to the public endpoints of `hosts` (each node leaving itself out).
    /// Call after adding the hosts.
    public mutating func bootstrapDHT(through hosts: [NodeID]) {
        var nodes = self.hosts
        for h in nodes.indices {
            nodes[h].app.config.bootstrap = hosts.filter { $0 != h }.map { publicEndpoint(of: $0, port: nodes[$0].app.config.port) }
        }
        replaceHosts(nodes)
    }
}
