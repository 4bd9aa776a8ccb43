import Dashboard
import Scenario
import SimKernel
import Testing

/// The DHT view on a real run: routing tables, lookups and keyspace load from the peers' Kademlia nodes.
@Suite struct DHTSnapshotTests {
    /// A tiny swarm with the DHT on: the tracker crashes at 20 s; two leechers wait in reserve.
    static let text = """
    name: dht-test
    seed: 11
    round: 10s
    duration: 120s
    regions: [{name: eu}]
    swarms: [{name: file, file-size: 512KiB, piece-length: 64KiB, tracker: tracker, dht: true}]
    hosts:
      - {group: tracker, up: 100Mbps, down: 100Mbps, app: {tracker: {}}}
      - {group: seed, up: 10Mbps, down: 10Mbps, app: {peer: {swarm: file, seed: true}}}
      - {group: peer, count: 4, up: 2Mbps, down: 10Mbps, app: {peer: {swarm: file}}}
      - {group: reserve, count: 2, up: 2Mbps, down: 10Mbps, nat: port-restricted, absent: true, app: {peer: {swarm: file}}}
    timeline:
      - {at: 20s, crash: tracker}
    """

    static func driver() throws -> SimulationDriver {
        let loaded = try ScenarioLoader.parse(text, file: "dht-test.yaml", overrides: [])
        return SimulationDriver(run: ScenarioRun(loaded, keepCheckpoints: true))
    }

    @Test func routingTablesLookupsAndKeysFromTheRun() throws {
        let d = try Self.driver()
        for _ in 0..<2 { d.apply(.nextRound) }
        let s = d.snapshot()
        let dht = try #require(s.dht)
        #expect(dht.k == 8 && dht.alpha == 3)
        // Every started peer runs a node; the reserve has not started, so it has no node yet.
        #expect(dht.nodes.map(\.name) == ["seed", "peer-1", "peer-2", "peer-3", "peer-4"])
        let hosts = Set(s.hosts.map(\.name))
        for n in dht.nodes {
            #expect(n.isUp && n.id.count == 40)
            #expect(n.contactCount > 0, "\(n.name) has bootstrapped")
            // Contacts are named by host (their ids are known nodes), and they are the others, not itself.
            for b in n.buckets { for c in b.contacts { #expect(hosts.contains(c.name) && c.name != n.name) } }
            #expect(n.buckets.enumerated().allSatisfy { $0.offset == $0.element.prefixLength })
        }
        #expect(dht.nodes.allSatisfy { $0.buckets.flatMap(\.contacts).allSatisfy { $0.state == .good } }, "everyone answered recently")
        // Announces were stored on other nodes: the keyspace load is not all zero.
        #expect(dht.nodes.reduce(0) { $0 + $1.keysStored } > 0)
        // Lookups from the event log: bootstraps and announces, with their outcome.
        let kinds = Set(dht.lookups.map(\.kind))
        #expect(kinds.contains("bootstrap") && kinds.contains("announce"))
        let announce = try #require(dht.lookups.first { $0.kind == "announce" })
        #expect(announce.status == .succeeded && (announce.hopCount ?? 0) >= 1 && (announce.messages ?? 0) > 0 && (announce.storedAt ?? 0) > 0)
        #expect(announce.target.count == 8 && announce.finished.map { $0 >= announce.started } == true)
        // The hop-by-hop path is recorded: queried nodes named by host, their steps, closeness and answers.
        #expect(!announce.hops.isEmpty)
        #expect(announce.hops.allSatisfy { hosts.contains($0.node) && $0.node != announce.origin && $0.step >= 1 && (0...160).contains($0.commonBits) })
        #expect(announce.hops.filter(\.answered).count >= announce.storedAt ?? 0)

        var state = ui(.dht)
        state.selection = "peer-2"
        expectScreen(render(s, state, size: Size(width: 80, height: 24)), "dht-real-80x24")
        state.size = Size(width: 160, height: 48)
        expectScreen(render(s, state, size: state.size), "dht-real-160x48")
        #expect(render(s, state, size: state.size).text.contains("Lookups from peer-2"))
    }

    @Test func withTheTrackerDownNewcomersFindTheSwarmThroughTheDHTAndSteppingBackForgetsThem() throws {
        let d = try Self.driver()
        for _ in 0..<3 { d.apply(.nextRound) }
        var s = d.snapshot()
        #expect(s.swarm?.tracker?.isUp == false)
        let join = try CommandRegistry.default.parse("join 2 leechers", context: CommandContext(s))
        guard case .simulation(let command) = join else { Issue.record("not an injection: \(join)"); return }
        d.apply(command)
        for _ in 0..<3 { d.apply(.nextRound) }
        s = d.snapshot()
        let dht = try #require(s.dht)
        #expect(dht.node(named: "reserve-1")?.contactCount ?? 0 > 0)
        for name in ["reserve-1", "reserve-2"] {
            let p = try #require(s.swarm?.peer(named: name))
            #expect(p.peersFromTracker == 0, "the tracker was down when \(name) came")
            #expect(p.peersFromDHT > 0, "\(name) found peers through the DHT")
            #expect(p.have.setCount > 0)
        }
        #expect(dht.lookups.contains { $0.origin == "reserve-1" && $0.kind == "announce" })
        var state = ui(.swarm, width: 160, height: 48)
        state.selection = "reserve-1"
        state.inspectorOpen = true
        #expect(render(s, state, size: state.size).text.contains("tracker 0 · DHT"))

        // The rounds view of a swarm with a DHT: completions and lookups instead of pings; the injections.
        let rounds = render(s, ui(.rounds), size: Size(width: 80, height: 24))
        expectScreen(rounds, "rounds-dht-80x24")
        #expect(rounds.text.contains("DONE") && rounds.text.contains("LOOKUPS") && !rounds.text.contains("PING"))
        #expect(rounds.text.contains("crash tracker") && rounds.text.contains("join 2 leechers"))
        expectScreen(render(s, ui(.rounds, width: 160, height: 48), size: Size(width: 160, height: 48)), "rounds-dht-160x48")

        // Back past the join: the reserve's nodes are gone again.
        for _ in 0..<4 { d.apply(.previousRound) }
        s = d.snapshot()
        #expect(s.round == 2 || s.round == 3)
        #expect(s.dht?.node(named: "reserve-1") == nil)
    }

    @Test func noDHTNoSnapshot() throws {
        #expect(try helloDriver().snapshot().dht == nil)
    }
}
