import Testing
import SimKernel
@testable import Network

/// Records what the network delivers and does what the test script asks at each timer.
struct Recorder: HostApplication {
    enum Payload: Sendable, Hashable { case data(Int) }
    enum Command: Sendable, Hashable {
        case send(to: Endpoint, size: Int), connect(to: Endpoint), listen(UInt16)
        /// Writes `count` segments of `size` bytes on the last connection, then closes it if asked.
        case sendOnConnection(count: Int, size: Int, thenClose: Bool)
    }
    var events: [String] = []
    var lastConnection: ConnectionID?

    mutating func handle(_ event: AppEvent<Payload>, io: inout HostIO<Payload>) {
        let t = io.now.nanoseconds
        switch event {
        case .start: events.append("\(t) start")
        case .timer(let k): events.append("\(t) timer \(k)")
        case .datagram(let from, let port, .data(let n), let size): events.append("\(t) datagram \(n) \(size)B from \(from) to :\(port)")
        case .connected(let id, let remote):
            lastConnection = id
            events.append("\(t) connected \(remote)")
            io.send(.data(1), size: 1000, on: id)
        case .connectFailed(_, let remote, let why): events.append("\(t) connect-failed \(remote) \(why)")
        case .accepted(let id, let remote, let port):
            lastConnection = id
            events.append("\(t) accepted \(remote) on :\(port)")
        case .received(_, .data(let n), let size): events.append("\(t) received \(n) \(size)B")
        case .closed(_, let why): events.append("\(t) closed \(why)")
        }
    }
    mutating func crash() { events.append("crash") }
    mutating func command(_ command: Command, io: inout HostIO<Payload>) {
        switch command {
        case .send(let to, let size): io.sendDatagram(.data(size), size: size, from: 5000, to: to)
        case .connect(let to): _ = io.connect(to: to)
        case .listen(let p): io.listen(on: p)
        case .sendOnConnection(let count, let size, let thenClose):
            guard let id = lastConnection else { return }
            for n in 0..<count { io.send(.data(100 + n), size: size, on: id) }
            if thenClose { io.close(id) }
        }
    }
    static func digest(_ payload: Payload) -> UInt64 { if case .data(let n) = payload { return UInt64(n) } else { return 0 } }
}

typealias RecSim = Simulation<Internet<Recorder>>

/// Two regions 20 ms apart (5 ms inside each); hosts as given.
func makeNet(_ hosts: [(String, LinkSpec, NATConfig?)], threads: Int = 1) -> (RecSim, InternetBuilder<Recorder>) {
    var b = InternetBuilder<Recorder>(regions: ["eu", "us"], core: [[.milliseconds(5), .milliseconds(20)], [.milliseconds(20), .milliseconds(5)]])
    for (i, h) in hosts.enumerated() {
        b.addHost(name: h.0, group: "g", region: i % 2, link: h.1, nat: h.2, app: Recorder())
    }
    return (b.build(seed: 1, threads: threads), b)
}

let mbps1 = LinkSpec(up: 1_000_000, down: 1_000_000, latency: .milliseconds(10))
let fast = LinkSpec(up: 1_000_000_000, down: 1_000_000_000, latency: .milliseconds(10))

extension RecSim {
    func command(_ c: Recorder.Command, on host: Int, at t: SimTime) { state.scheduleControl(.command(host, c), at: t) }
    func events(_ host: Int) -> [String] { state.nodes[host].app.events }
}

@Suite struct LinkTimingTests {
    @Test func datagramArrivalIsSerialisationPlusLatencyPlusDownlink() {
        // A (eu, 1 Mbit/s up, 10 ms) → B (us, 1 Mbit/s down, 10 ms); core eu–us 20 ms.
        let (sim, b) = makeNet([("a", mbps1, nil), ("b", mbps1, nil)])
        sim.command(.send(to: b.publicEndpoint(of: 1, port: 9), size: 16_384), on: 0, at: .seconds(1))
        sim.run(until: .seconds(5))
        // 131.072 ms on A's uplink + (10 + 20 + 10) ms path + 131.072 ms on B's downlink.
        let expected = 1_000_000_000 + 131_072_000 + 40_000_000 + 131_072_000
        #expect(sim.events(1).last == "\(expected) datagram 16384 16384B from \(b.publicEndpoint(of: 0, port: 5000)) to :9")
    }

    @Test func uplinkIsFIFO() {
        let (sim, b) = makeNet([("a", mbps1, nil), ("b", fast, nil)])
        let to = b.publicEndpoint(of: 1, port: 9)
        sim.command(.send(to: to, size: 16_384), on: 0, at: .seconds(1))
        sim.command(.send(to: to, size: 16_384), on: 0, at: .seconds(1))
        sim.run(until: .seconds(5))
        let times = sim.events(1).filter { $0.contains("datagram") }.compactMap { Int64($0.split(separator: " ")[0]) }
        #expect(times.count == 2)
        // The second waits for the first to leave the uplink: exactly one serialisation time later.
        #expect(times[1] - times[0] == 131_072_000)
        // Downlink at 1 Gbit/s: 16 KiB takes 131.072 µs.
        #expect(times[0] == 1_000_000_000 + 131_072_000 + 40_000_000 + 131_072)
    }

    /// The downlink is a FIFO: a packet that arrives while another is crossing waits for it. A packet that
    /// finds the downlink idle costs one event (it is sent to arrive already across it); one that must
    /// queue costs a second, at the end of its turn.
    @Test func downlinkIsFIFOAndAnIdleCrossingCostsOneEvent() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", mbps1, nil), ("c", fast, nil)])
        let to = b.publicEndpoint(of: 1, port: 9)
        sim.command(.send(to: to, size: 16_384), on: 0, at: .seconds(1))
        sim.command(.send(to: to, size: 16_384), on: 2, at: .seconds(1) + .milliseconds(1))
        sim.run(until: SimTime(nanoseconds: 1_500_000_000))
        let base = sim.state.slots[1].delivered
        sim.command(.send(to: to, size: 16_384), on: 0, at: .seconds(2))
        sim.run(until: .seconds(3))
        let times = sim.events(1).filter { $0.contains("datagram") }.compactMap { Int64($0.split(separator: " ")[0]) }
        // 131.072 µs on a 1 Gbit/s uplink + 40 ms path + 131.072 ms on B's 1 Mbit/s downlink; the second
        // reaches the downlink 1 ms later, while the first is still crossing, so it crosses right after it.
        let first: Int64 = 1_000_000_000 + 131_072 + 40_000_000 + 131_072_000
        #expect(times == [first, first + 131_072_000, 2_000_000_000 + 131_072 + 40_000_000 + 131_072_000])
        // The lone packet at 2 s: one event at B.
        #expect(sim.state.slots[1].delivered - base == 1)
    }

    /// Sizes mixed on the bulk lane: a 1000-byte packet reaches B's 1 Mbit/s downlink 9.9 ms after a
    /// 16 KiB one, while the block is still crossing. It is handled first (its event comes first), and the
    /// block finishes as if preempted by it: the downlink never idles, so the last of the two is delivered
    /// when a FIFO would have delivered it, one crossing of each after the block arrived.
    @Test func mixedSizesOnTheDownlinkKeepItBusyUntilAFIFOWouldFinish() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", mbps1, nil), ("c", fast, nil)])
        let to = b.publicEndpoint(of: 1, port: 9)
        sim.command(.send(to: to, size: 16_384), on: 0, at: .seconds(1))
        sim.command(.send(to: to, size: 1_000), on: 2, at: .seconds(1) + .milliseconds(10))
        sim.run(until: .seconds(3))
        let got = sim.events(1).filter { $0.contains("datagram") }.map { $0.split(separator: " ") }
        let blockIn: Int64 = 1_000_000_000 + 131_072 + 40_000_000       // the block reaches the downlink
        let smallIn: Int64 = 1_010_000_000 + 8_000 + 40_000_000          // the 1000 bytes, 9.877 ms later
        #expect(got.map { String($0[2]) } == ["1000", "16384"])
        #expect(got.map { Int64($0[0]) } == [smallIn + 8_000_000, blockIn + 131_072_000 + 8_000_000])
    }

    /// The link must be up when a packet finishes crossing it, also for one that had to queue.
    @Test func aQueuedPacketIsLostIfTheLinkGoesDownBeforeItHasCrossed() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", mbps1, nil), ("c", fast, nil)])
        let to = b.publicEndpoint(of: 1, port: 9)
        sim.command(.send(to: to, size: 16_384), on: 0, at: .seconds(1))
        sim.command(.send(to: to, size: 16_384), on: 2, at: .seconds(1) + .milliseconds(1))
        // The first is delivered at 1.171 s; the second, queued behind it, would be at 1.302 s.
        sim.state.scheduleControl(.linkDown(1), at: SimTime(nanoseconds: 1_250_000_000))
        sim.run(until: .seconds(3))
        #expect(sim.events(1).filter { $0.contains("datagram") }.count == 1)
        #expect(sim.state.nodes[1].counters.droppedDown == 1)
    }

    @Test func rateChangeAppliesToLaterPackets() {
        let (sim, b) = makeNet([("a", mbps1, nil), ("b", fast, nil)])
        sim.state.scheduleControl(.setRate(0, up: 2_000_000, down: nil), at: .seconds(1))
        sim.command(.send(to: b.publicEndpoint(of: 1, port: 9), size: 16_384), on: 0, at: .seconds(1))
        sim.run(until: .seconds(5))
        #expect(sim.events(1).last?.hasPrefix("\(1_000_000_000 + 65_536_000 + 40_000_000 + 131_072) ") == true)
    }
}

@Suite struct NATFabricTests {
    @Test func unsolicitedInboundIsDroppedAndCounted() {
        let (sim, b) = makeNet([("pub", fast, nil), ("home", fast, NATConfig(preset: .fullCone))])
        sim.command(.send(to: b.publicEndpoint(of: 1, port: 5000), size: 100), on: 0, at: .seconds(1))
        sim.run(until: .seconds(2))
        #expect(!sim.events(1).contains { $0.contains("datagram") })
        #expect(sim.state.nodes[1].counters.droppedNAT == 1)
        #expect(sim.state.nodes[1].nat?.stats.droppedUnsolicited == 1)
        #expect(sim.state.log.entries.contains { $0.kind == "nat.drop" && $0.node == 1 })
    }

    @Test func replyToOutboundPassesEvenPortRestricted() {
        let (sim, b) = makeNet([("pub", fast, nil), ("home", fast, NATConfig(preset: .portRestricted))])
        sim.command(.send(to: b.publicEndpoint(of: 0, port: 5000), size: 100), on: 1, at: .seconds(1))
        sim.run(until: .seconds(2))
        // The public host sees the NAT's public address and mapped port, and answers it.
        let seen = sim.events(0).first { $0.contains("datagram") }
        #expect(seen?.contains("from \(b.topology.publicAddress[1]):49152") == true)
        sim.command(.send(to: Endpoint(b.topology.publicAddress[1], 49152), size: 100), on: 0, at: .seconds(2))
        sim.run(until: .seconds(3))
        #expect(sim.events(1).contains { $0.contains("datagram 100 100B from \(b.publicEndpoint(of: 0, port: 5000)) to :5000") })
    }

    @Test func connectionsObeyNATs() {
        let forward = NATConfig(preset: .portRestricted, portForwards: [6881: Endpoint(IPv4Address(10, 0, 2, 2), 6881)])
        let (sim, b) = makeNet([
            ("pub", fast, nil),
            ("natA", fast, NATConfig(preset: .portRestricted)),
            ("natB", fast, NATConfig(preset: .fullCone)),
            ("fwd", fast, forward),  // 3rd NATed host: private 10.0.3.2 — forward points elsewhere on purpose below
        ])
        _ = forward
        for h in 0..<4 { sim.command(.listen(6881), on: h, at: .seconds(1)) }
        // NATed → public: works. public → NATed: SYN dropped, times out. NATed → NATed: times out.
        sim.command(.connect(to: b.publicEndpoint(of: 0, port: 6881)), on: 1, at: .seconds(2))
        sim.command(.connect(to: b.publicEndpoint(of: 1, port: 6881)), on: 0, at: .seconds(2))
        sim.command(.connect(to: b.publicEndpoint(of: 2, port: 6881)), on: 1, at: .seconds(2))
        sim.run(until: .seconds(10))
        #expect(sim.events(1).contains { $0.contains("connected \(b.publicEndpoint(of: 0, port: 6881))") })
        #expect(sim.events(0).contains { $0.contains("received 1 1000B") })
        #expect(sim.events(0).contains { $0.hasPrefix("7000000000 connect-failed") && $0.hasSuffix("timeout") })
        #expect(sim.events(1).contains { $0.contains("connect-failed \(b.publicEndpoint(of: 2, port: 6881)) timeout") })
        #expect(sim.state.nodes[2].counters.droppedNAT >= 1)
    }

    @Test func portForwardAdmitsInboundConnections() {
        // The first NATed host gets private address 10.0.1.2.
        let nat = NATConfig(preset: .symmetric, portForwards: [6881: Endpoint(IPv4Address(10, 0, 1, 2), 6881)])
        let (sim, b) = makeNet([("pub", fast, nil), ("home", fast, nat)])
        #expect(sim.state.nodes[1].address == IPv4Address(10, 0, 1, 2))
        sim.command(.listen(6881), on: 1, at: .seconds(1))
        sim.command(.connect(to: b.publicEndpoint(of: 1, port: 6881)), on: 0, at: .seconds(2))
        sim.run(until: .seconds(10))
        #expect(sim.events(0).contains { $0.contains("connected \(b.publicEndpoint(of: 1, port: 6881))") })
        #expect(sim.events(1).contains { $0.contains("accepted") && $0.hasSuffix("on :6881") })
        #expect(sim.events(1).contains { $0.contains("received 1 1000B") })
    }

    /// A FIN closes a byte stream: it arrives after the data written before it, however small it is (on the
    /// small-packet lane it would overtake 80 kB still queued on a 1 Mbps uplink, and the data be lost).
    /// The same holds when the whole host leaves (a churn departure) instead of the application closing.
    @Test(arguments: [false, true])
    func dataWrittenBeforeACloseArrivesBeforeIt(hostLeaves: Bool) {
        let (sim, b) = makeNet([("a", mbps1, nil), ("b", mbps1, nil)])
        sim.command(.listen(6881), on: 1, at: .seconds(1))
        sim.command(.connect(to: b.publicEndpoint(of: 1, port: 6881)), on: 0, at: .seconds(2))
        sim.command(.sendOnConnection(count: 8, size: 10_000, thenClose: !hostLeaves), on: 0, at: .seconds(3))
        if hostLeaves { sim.state.scheduleControl(.leave(0), at: .seconds(3) + .milliseconds(1)) }
        sim.run(until: .seconds(10))
        let received = sim.events(1).filter { $0.contains("received") }
        // The 1000-byte greeting sent on connecting, then the eight segments, in order, then the close.
        #expect(received.map { $0.split(separator: " ")[2] } == ["1"] + (100..<108).map { Substring("\($0)") })
        #expect(sim.events(1).last?.hasSuffix("closed closed-by-remote") == true, "\(sim.events(1))")
    }

    /// A FIN also waits for the small segments already queued on the receiver's small-packet lane: a
    /// 100-byte segment written before the close, stuck behind 30 datagrams from another host, still
    /// arrives before the close; and a SYN stuck the same way is not overtaken by the FIN of a host that
    /// leaves right after connecting (the receiver would keep a connection to a host that has gone).
    @Test func aFINWaitsForSmallSegmentsQueuedBeforeIt() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", mbps1, nil), ("c", fast, nil)])
        sim.command(.listen(6881), on: 1, at: .seconds(1))
        sim.command(.connect(to: b.publicEndpoint(of: 1, port: 6881)), on: 0, at: .seconds(2))
        for _ in 0..<30 { sim.command(.send(to: b.publicEndpoint(of: 1, port: 9), size: 128), on: 2, at: .seconds(3) - .milliseconds(10)) }
        sim.command(.sendOnConnection(count: 1, size: 100, thenClose: true), on: 0, at: .seconds(3))
        sim.run(until: .seconds(10))
        let stream = sim.events(1).filter { $0.contains("received") || $0.contains("closed") }
        #expect(stream.map { $0.split(separator: " ").dropFirst().joined(separator: " ") }
                == ["received 1 1000B", "received 100 100B", "closed closed-by-remote"])

        let (sim2, b2) = makeNet([("a", fast, nil), ("b", mbps1, nil), ("c", fast, nil)])
        sim2.command(.listen(6881), on: 1, at: .seconds(1))
        for _ in 0..<30 { sim2.command(.send(to: b2.publicEndpoint(of: 1, port: 9), size: 128), on: 2, at: .seconds(2) - .milliseconds(10)) }
        sim2.command(.connect(to: b2.publicEndpoint(of: 1, port: 6881)), on: 0, at: .seconds(2))
        sim2.state.scheduleControl(.leave(0), at: .seconds(2) + .milliseconds(1))
        sim2.run(until: .seconds(10))
        #expect(sim2.state.nodes[1].connections.isEmpty, "\(sim2.events(1).filter { !$0.contains("datagram") })")
    }

    @Test func closedPortRefuses() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", fast, nil)])
        sim.command(.connect(to: b.publicEndpoint(of: 1, port: 80)), on: 0, at: .seconds(1))
        sim.run(until: .seconds(3))
        #expect(sim.events(0).contains { $0.hasSuffix("refused") })
    }
}

@Suite struct FailureTests {
    @Test func crashResetsPeersAndRestartStartsFresh() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", fast, nil)])
        sim.command(.listen(6881), on: 1, at: .seconds(1))
        sim.command(.connect(to: b.publicEndpoint(of: 1, port: 6881)), on: 0, at: .seconds(2))
        sim.state.scheduleControl(.crash(1), at: .seconds(3))
        sim.state.scheduleControl(.restart(1), at: .seconds(4))
        sim.run(until: .seconds(5))
        #expect(sim.events(0).contains { $0.hasSuffix("closed reset") })
        #expect(sim.events(1).contains("crash"))
        #expect(sim.events(1).last == "4000000000 start")
        #expect(sim.state.nodes[1].connections.isEmpty)
        let kinds = sim.state.log.entries.map(\.kind)
        #expect(kinds.contains("inject.crash") && kinds.contains("inject.restart"))
    }

    @Test func partitionDropsAndHealRestores() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", fast, nil)])
        sim.state.scheduleControl(.partition([1], name: "cut"), at: .seconds(1))
        sim.command(.send(to: b.publicEndpoint(of: 1, port: 9), size: 100), on: 0, at: .seconds(1))
        sim.state.scheduleControl(.heal, at: .seconds(2))
        sim.command(.send(to: b.publicEndpoint(of: 1, port: 9), size: 200), on: 0, at: .seconds(2))
        sim.run(until: .seconds(3))
        #expect(sim.state.nodes[1].counters.droppedPartition == 1)
        #expect(sim.events(1).contains { $0.contains("datagram 200") })
        #expect(!sim.events(1).contains { $0.contains("datagram 100") })
    }

    @Test func linkDownDropsEverything() {
        let (sim, b) = makeNet([("a", fast, nil), ("b", fast, nil)])
        sim.state.scheduleControl(.linkDown(1), at: .seconds(1))
        sim.command(.send(to: b.publicEndpoint(of: 1, port: 9), size: 100), on: 0, at: .seconds(1))
        sim.run(until: .seconds(2))
        #expect(sim.state.nodes[1].counters.droppedDown == 1)
    }

    @Test func lossMatchesItsProbability() {
        var lossy = fast
        lossy.loss = 0.2
        let (sim, b) = makeNet([("a", lossy, nil), ("b", fast, nil)])
        for i in 0..<2000 {
            sim.command(.send(to: b.publicEndpoint(of: 1, port: 9), size: 100), on: 0, at: .seconds(1) + .milliseconds(Int64(i)))
        }
        sim.run(until: .seconds(10))
        let lost = sim.state.nodes[0].counters.droppedLoss
        // Binomial(2000, 0.2): mean 400, sd ≈ 17.9; ±5 sd.
        #expect(abs(lost - 400) < 90)
        #expect(sim.events(1).count - 1 == 2000 - lost)  // minus the start event
    }
}

@Suite struct PingTests {
    func pingNet(threads: Int) -> Simulation<Internet<PingApp>> {
        var b = InternetBuilder<PingApp>(regions: ["eu"], core: [[.milliseconds(5)]])
        let server = b.addHost(name: "server", group: "s", region: 0, link: fast, nat: nil, app: PingApp(config: .init()))
        let target = b.publicEndpoint(of: server, port: 7)
        for i in 0..<20 {
            b.addHost(name: "c\(i)", group: "c", region: 0, link: mbps1, nat: i % 2 == 0 ? NATConfig(preset: .symmetric) : nil,
                      app: PingApp(config: .init(targets: [target], connectEvery: 3)))
        }
        let sim = b.build(seed: 42, threads: threads)
        sim.state.scheduleControl(.crash(server), at: .seconds(20))
        sim.state.scheduleControl(.restart(server), at: .seconds(25))
        sim.run(until: .seconds(40))
        return sim
    }

    @Test func pingThroughNATsIsDeterministicAcrossThreads() {
        let one = pingNet(threads: 1), two = pingNet(threads: 2), four = pingNet(threads: 4)
        #expect(one.state.fingerprint == two.state.fingerprint)
        #expect(one.state.fingerprint == four.state.fingerprint)
        let m = one.state.nodes.dropFirst().map(\.app.metrics)
        #expect(m.allSatisfy { $0.repliesReceived > 20 && $0.repliesReceived < $0.probesSent })
        #expect(m.allSatisfy { $0.connectsSucceeded > 5 })
        // RTT at least twice the path (2 × (10 + 5 + 10) ms = 50 ms) plus serialisation.
        #expect(m.allSatisfy { $0.rttTotal.nanoseconds / Int64($0.repliesReceived) > 50_000_000 })
    }
}
