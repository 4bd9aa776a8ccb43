import Testing
import BitTorrent
import SimKernel
@testable import Network
@testable import DHT

/// Runs one event through a node outside any network and returns what it asked the host to do.
@discardableResult
private func feed(_ node: inout DHTNode, _ event: AppEvent<KRPCMessage>, at t: SimTime, seed: UInt64 = 42) -> [HostAction<KRPCMessage>] {
    var io = HostIO<KRPCMessage>(now: t, host: 0, random: SimRandom(seed: seed), nextConnection: 0, nextPort: 40000)
    node.handle(event, io: &io)
    return io.actions
}

/// The responses and errors among the datagrams a node sent (it may also ping a querier it does not know).
private func sent(_ actions: [HostAction<KRPCMessage>]) -> [(KRPCMessage, Endpoint, Int)] {
    actions.compactMap {
        guard case .datagram(_, let to, let m, let size) = $0 else { return nil }
        if case .query = m.body { return nil }
        return (m, to, size)
    }
}

private let alice = Endpoint(IPv4Address(100, 64, 1, 1), 6881)
private let mallory = Endpoint(IPv4Address(100, 64, 9, 9), 6881)

@Suite struct TokenTests {
    func node() -> DHTNode {
        var n = DHTNode(config: .init(id: DHTID.derived(seed: 1, host: 0)))
        feed(&n, .start, at: .seconds(1000))
        return n
    }

    func token(_ n: inout DHTNode, for who: Endpoint, at t: SimTime) -> ShortBytes? {
        let q = KRPCMessage.query(.getPeers(id: DHTID.derived(seed: 1, host: 1), infoHash: key(1)), transaction: ShortBytes(integer: 7, count: 2))
        let out = sent(feed(&n, .datagram(from: who, port: 6881, payload: q, size: q.wireSize), at: t))
        for (m, to, _) in out where to == who { if case .response(let r) = m.body { return r.token } }
        return nil
    }

    func announce(_ n: inout DHTNode, token: ShortBytes, from who: Endpoint, at t: SimTime) -> KRPCMessage? {
        let q = KRPCMessage.query(.announcePeer(id: DHTID.derived(seed: 1, host: 1), infoHash: key(1), port: 51413, token: token, impliedPort: nil),
                                  transaction: ShortBytes(integer: 8, count: 2))
        return sent(feed(&n, .datagram(from: who, port: 6881, payload: q, size: q.wireSize), at: t)).first { $0.1 == who }?.0
    }

    @Test func freshTokenIsAcceptedAndPeerStored() throws {
        var n = node()
        let t = try #require(token(&n, for: alice, at: .seconds(1000)))
        let reply = try #require(announce(&n, token: t, from: alice, at: .seconds(1000 + 4 * 60)))
        #expect(reply.body == .response(KRPCResponse(id: n.id)))
        #expect(n.storage.peers(for: key(1), at: .seconds(1300)) == [Endpoint(alice.address, 51413)])
        // The stored peer is returned as "values" with a token.
        let q = KRPCMessage.query(.getPeers(id: DHTID.derived(seed: 1, host: 2), infoHash: key(1)), transaction: ShortBytes(integer: 9, count: 2))
        let out = sent(feed(&n, .datagram(from: mallory, port: 6881, payload: q, size: q.wireSize), at: .seconds(1400)))
        guard case .response(let r) = out.first?.0.body else { Issue.record("no response"); return }
        #expect(r.values == [Endpoint(alice.address, 51413)] && r.nodes == nil && r.token != nil)
        #expect(out.first?.2 == out.first?.0.encode().count.advanced(by: 28))
    }

    @Test func staleTokenIsRejectedWith203() throws {
        var n = node()
        let t = try #require(token(&n, for: alice, at: .seconds(1000)))
        let reply = try #require(announce(&n, token: t, from: alice, at: .seconds(1000 + 11 * 60)))
        #expect(reply.body == .error(.badToken))
        if case .error(let e) = reply.body { #expect(e.code == 203) }
        #expect(n.storage.keyCount == 0)
        #expect(n.metrics.announcesRejected == 1)
    }

    @Test func foreignOrMisdirectedTokenIsRejectedWith203() throws {
        var n = node()
        // A token issued to alice, presented by mallory.
        let t = try #require(token(&n, for: alice, at: .seconds(1000)))
        #expect(announce(&n, token: t, from: mallory, at: .seconds(1010))?.body == .error(.badToken))
        // A token issued by another node.
        var other = DHTNode(config: .init(id: DHTID.derived(seed: 1, host: 5)))
        feed(&other, .start, at: .seconds(900), seed: 43)
        let foreign = try #require(token(&other, for: alice, at: .seconds(1000)))
        #expect(announce(&n, token: foreign, from: alice, at: .seconds(1010))?.body == .error(.badToken))
        #expect(n.storage.keyCount == 0)
    }

    /// BEP 5: the secret rotates every 5 minutes and tokens up to 10 minutes old are accepted — so a
    /// token is always good for 5 minutes and never for more than 10.
    @Test func tokenLifetimeIsFiveToTenMinutes() {
        let issuer = TokenIssuer(secret: 0x1234_5678_9ABC)
        for s in stride(from: Int64(0), to: 1200, by: 7) {
            let issued = SimTime.seconds(s)
            let t = issuer.issue(for: alice.address, at: issued)
            #expect(issuer.accepts(t, from: alice.address, at: issued + .seconds(299)))
            #expect(!issuer.accepts(t, from: alice.address, at: issued + .seconds(600)))
            #expect(!issuer.accepts(t, from: mallory.address, at: issued))
        }
    }

    @Test func impliedPortStoresTheSourcePort() throws {
        var n = node()
        let src = Endpoint(alice.address, 40000)
        let t = try #require(token(&n, for: src, at: .seconds(1000)))
        let q = KRPCMessage.query(.announcePeer(id: DHTID.derived(seed: 1, host: 1), infoHash: key(2), port: 1, token: t, impliedPort: true),
                                  transaction: ShortBytes(integer: 8, count: 2))
        feed(&n, .datagram(from: src, port: 6881, payload: q, size: q.wireSize), at: .seconds(1001))
        #expect(n.storage.peers(for: key(2), at: .seconds(1001)) == [src])
    }

    @Test func storedPeersExpire() throws {
        var n = DHTNode(config: .init(id: DHTID.derived(seed: 1, host: 0), peerTTL: .seconds(600)))
        feed(&n, .start, at: .seconds(1000))
        let t = try #require(token(&n, for: alice, at: .seconds(1000)))
        _ = announce(&n, token: t, from: alice, at: .seconds(1001))
        #expect(n.storage.peers(for: key(1), at: .seconds(1500)).count == 1)
        #expect(n.storage.peers(for: key(1), at: .seconds(1601)).isEmpty)
        n.crash()
        #expect(n.storage.keyCount == 0 && n.table.isEmpty)
    }
}

@Suite struct SmallNetworkTests {
    /// Nodes bootstrap through one well-known node, then find each other's announcements.
    @Test func bootstrapThenAnnounceAndGetPeers() {
        let (sim, b) = makeNetwork(64, seed: 3, warm: false, joinSpread: .seconds(60))
        sim.run(until: .seconds(120))
        let tables = sim.dhtNodes.map { $0.table.count }
        #expect(tables.allSatisfy { $0 >= 8 }, "\(tables)")
        #expect(sim.dhtNodes.allSatisfy { $0.table.invariantViolations().isEmpty })
        sim.command(.announce(key(1), port: 51413), on: 10, at: .seconds(130))
        sim.command(.announce(key(2), port: nil), on: 20, at: .seconds(130))
        sim.command(.getPeers(key(1)), on: 50, at: .seconds(140))
        sim.command(.getPeers(key(2)), on: 60, at: .seconds(140))
        sim.command(.getPeers(key(3)), on: 30, at: .seconds(140))
        sim.command(.findNode(sim.node(33).id), on: 44, at: .seconds(140))
        sim.run(until: .seconds(160))
        let ann = sim.node(10).results
        #expect(ann.count == 1 && ann[0].kind == .announce && ann[0].storedAt == 8 && ann[0].succeeded)
        #expect(sim.node(50).results.first?.peers == [b.publicEndpoint(of: 10, port: 51413)])
        #expect(sim.node(60).results.first?.peers == [b.publicEndpoint(of: 20, port: 6881)])
        #expect(sim.node(30).results.first?.succeeded == false)
        #expect(sim.node(30).results.first?.peers == [])
        #expect(sim.node(44).results.first?.closest.first?.id == sim.node(33).id)
        // Stored on the 8 nodes closest to the key.
        let holders = (0..<64).filter { !sim.node($0).storage.peers(for: key(1), at: sim.now).isEmpty }
        let closest = (0..<64).sorted { (sim.node($0).id ^ key(1)) < (sim.node($1).id ^ key(1)) }.prefix(8)
        #expect(Set(holders) == Set(closest))
        #expect(sim.state.log.entries.contains { $0.kind == "dht.lookup.done" && $0.node == 50 })
        let m = DHTMetrics.aggregate(sim.dhtNodes)
        #expect(m.lookups == 6 && m.running == 64)
        #expect(m.keysPerNode.max >= 1)
    }

    @Test func embedderDrainsResults() {
        let (sim, _) = makeNetwork(32, seed: 4, warm: true)
        sim.command(.getPeers(key(1)), on: 3, at: .seconds(1))
        sim.run(until: .seconds(10))
        var n = sim.state.nodes[3].app
        let r = n.takeResults()
        #expect(r.count == 1 && r[0].lookup == DHTLookupID(raw: 1))
        #expect(n.takeResults().isEmpty)
        #expect(r[0].hops >= 1 && r[0].messages >= 1 && r[0].duration > .zero)
    }

    @Test func restartedNodeRejoinsThroughBootstrap() {
        let (sim, _) = makeNetwork(40, seed: 8, warm: false, joinSpread: .seconds(20))
        sim.run(until: .seconds(60))
        sim.state.scheduleControl(.crash(7), at: .seconds(60))
        sim.run(until: .seconds(61))
        #expect(sim.node(7).table.isEmpty && !sim.node(7).isRunning)
        let id = sim.node(7).id
        sim.state.scheduleControl(.restart(7), at: .seconds(70))
        sim.run(until: .seconds(90))
        #expect(sim.node(7).isRunning && sim.node(7).id == id && sim.node(7).table.count >= 8)
    }

    @Test func deadContactsTimeOutAndBecomeBad() {
        let (sim, _) = makeNetwork(100, seed: 9, warm: true)
        // Half the nodes leave; lookups still succeed through the rest.
        for h in stride(from: 1, to: 100, by: 2) { sim.state.scheduleControl(.leave(h), at: .seconds(1)) }
        for i in 0..<20 { sim.command(.findNode(key(i)), on: 2 * i, at: .seconds(5)) }
        sim.run(until: .seconds(60))
        let m = DHTMetrics.aggregate(sim.dhtNodes)
        #expect(m.lookups == 20 && m.successRate == 1)
        #expect(m.timeouts > 0)
        // Departed contacts that were queried are no longer good.
        let failed = (0..<50).map { 2 * $0 }.flatMap { h in sim.node(h).table.contacts.filter { $0.failures > 0 } }
        #expect(!failed.isEmpty)
        #expect(failed.allSatisfy { sim.node(0).table.state(of: $0, at: sim.now) != .good })
    }
}

@Suite struct DeterminismTests {
    func run(threads: Int) -> (UInt64, DHTMetrics, [Int]) {
        let (sim, _) = makeNetwork(150, seed: 21, warm: false, joinSpread: .seconds(30), threads: threads)
        let churn = ChurnModel(session: .exponential(mean: .seconds(120)), downtime: .exponential(mean: .seconds(60)))
        churn.schedule(on: &sim.state, hosts: Array(10..<150), from: .seconds(60), until: .seconds(400), seed: 5)
        for i in 0..<40 {
            sim.command(.announce(key(i), port: 6881), on: i % 10, at: .seconds(Int64(60 + i)))
            sim.command(.getPeers(key(i)), on: (i + 3) % 10, at: .seconds(Int64(200 + i)))
        }
        sim.run(until: .seconds(400))
        return (sim.state.fingerprint, DHTMetrics.aggregate(sim.dhtNodes), sim.dhtNodes.map(\.table.count))
    }

    @Test func warmStartIsDeterministic() {
        let a = DHTScale.network(nodes: 3000, seed: 3), b = DHTScale.network(nodes: 3000, seed: 3)
        let c = DHTScale.network(nodes: 3000, seed: 4)
        #expect(a.state.nodes.map(\.app.table) == b.state.nodes.map(\.app.table))
        #expect(a.state.nodes.map(\.app.table) != c.state.nodes.map(\.app.table))
        #expect(a.state.nodes.allSatisfy { $0.app.table.invariantViolations().isEmpty && $0.app.table.count >= 8 })
    }

    @Test func sameSeedSameRunForAnyThreadCount() {
        let a = run(threads: 1), b = run(threads: 2), c = run(threads: 1)
        #expect(a.0 == c.0)
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
        #expect(a.2 == b.2)
        #expect(a.1.lookups == 80)
    }
}
