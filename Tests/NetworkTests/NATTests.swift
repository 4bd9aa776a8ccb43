import Foundation
import Network
import SimKernel
import Testing

// Shared cast: one inside host H behind a NAT at `natIP`, and remotes around R1 = (a1, p1).
private let natIP = IPv4Address(198, 51, 100, 1)
private let host = Endpoint(IPv4Address(192, 168, 1, 2), 5000)
private let a1 = IPv4Address(203, 0, 113, 10)
private let a2 = IPv4Address(203, 0, 113, 20)
private let r1 = Endpoint(a1, 7000)

/// The four remotes every behaviour is probed with, in table order.
private let probes: [Endpoint] = [
    r1,                     // R1 itself
    Endpoint(a1, 7001),     // same address, other port
    Endpoint(a2, 7000),     // other address, same port
    Endpoint(a2, 7001),     // a wholly different endpoint
]

/// `#require` for values produced by mutating calls (the macro cannot capture them).
private func unwrap<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}

private func seconds(_ s: Int64) -> SimTime { SimTime.zero + .seconds(s) }

@Suite("NAT")
struct NATTests {

    // MARK: Presets: which inbound packets pass, which public port H's packets leave with

    /// One row per preset, over `probes` = [R1, (a1, other port), (other address, p1), wholly different].
    /// `inbound`: after H sent one packet to R1, does a packet from the probe to that mapping pass?
    /// `sameMapping`: does H's packet to the probe leave with the same public endpoint as its packet to R1?
    ///
    /// From RFC 4787 (§4.1, §5) and the RFC 3489 names:
    /// - full cone = EIM + EIF: one mapping for every destination; anyone may send to it.
    /// - restricted = EIM + ADF: one mapping; only addresses H has sent to (a1, any port).
    /// - port-restricted = EIM + APDF: one mapping; only exact endpoints H has sent to (R1).
    /// - symmetric = APDM + APDF: a new mapping per destination endpoint; only R1 may answer.
    private static let presetTable: [NATPreset: (inbound: [Bool], sameMapping: [Bool])] = [
        .fullCone:       ([true, true, true, true],    [true, true, true, true]),
        .restricted:     ([true, true, false, false],  [true, true, true, true]),
        .portRestricted: ([true, false, false, false], [true, true, true, true]),
        .symmetric:      ([true, false, false, false], [true, false, false, false]),
    ]

    @Test("preset behaviours", arguments: NATPreset.allCases)
    func presetTable(_ preset: NATPreset) throws {
        let expected = try #require(Self.presetTable[preset])
        let config = NATConfig(preset: preset)
        #expect(inboundPasses(config) == expected.inbound)
        #expect(sameMapping(config) == expected.sameMapping)
        #expect(config.preset == preset)
    }

    /// The same probes for all nine mapping × filtering combinations, from the definitions of each
    /// behaviour alone: endpoint-independent ignores the remote, address-dependent looks at its
    /// address only, address-and-port-dependent at the whole endpoint.
    private static let byBehaviour: [String: [Bool]] = [
        "endpoint-independent":       [true, true, true, true],
        "address-dependent":          [true, true, false, false],
        "address-and-port-dependent": [true, false, false, false],
    ]

    @Test("mapping × filtering combinations",
          arguments: NATMappingBehavior.allCases, NATFilteringBehavior.allCases)
    func combinations(_ mapping: NATMappingBehavior, _ filtering: NATFilteringBehavior) throws {
        let config = NATConfig(mapping: mapping, filtering: filtering)
        #expect(inboundPasses(config) == (try #require(Self.byBehaviour[filtering.rawValue])))
        #expect(sameMapping(config) == (try #require(Self.byBehaviour[mapping.rawValue])))
    }

    /// H sends to R1; then each probe sends to the resulting public endpoint.
    private func inboundPasses(_ config: NATConfig) -> [Bool] {
        var nat = NATBox(publicAddress: natIP, config: config)
        guard let mapped = nat.translateOutbound(from: host, to: r1, at: seconds(1)) else { return [] }
        let passes = probes.map { nat.translateInbound(from: $0, to: mapped, at: seconds(2)) == host }
        let admitted = passes.filter { $0 }.count
        #expect(nat.stats.translatedIn == admitted)
        #expect(nat.stats.droppedFiltered == probes.count - admitted)
        #expect(nat.stats.droppedUnsolicited == 0)
        return passes
    }

    /// H sends to R1, then to each probe: is the public endpoint the same as for R1?
    private func sameMapping(_ config: NATConfig) -> [Bool] {
        var nat = NATBox(publicAddress: natIP, config: config)
        guard let first = nat.translateOutbound(from: host, to: r1, at: seconds(1)) else { return [] }
        let sources = probes.map { nat.translateOutbound(from: host, to: $0, at: seconds(2)) }
        // Every mapping used is listed exactly once.
        #expect(nat.mappings.map(\.publicEndpoint) == Set(sources + [first]).compactMap { $0 }.sorted())
        return sources.map { $0 == first }
    }

    @Test func sendingOpensTheFilterForThatRemote() throws {
        var nat = NATBox(publicAddress: natIP, config: NATConfig(preset: .portRestricted))
        let other = Endpoint(a2, 9000)
        let mapped = try unwrap(nat.translateOutbound(from: host, to: r1, at: seconds(0)))
        #expect(nat.translateInbound(from: other, to: mapped, at: seconds(1)) == nil)
        // Same mapping (EIM); now `other` is in its filter too.
        #expect(nat.translateOutbound(from: host, to: other, at: seconds(2)) == mapped)
        #expect(nat.translateInbound(from: other, to: mapped, at: seconds(3)) == host)
        #expect(nat.mappings.map(\.permitted) == [[.endpoint(r1), .endpoint(other)]])
    }

    // MARK: Timeouts

    @Test("mapping lives exactly the timeout after the last outbound packet", arguments: NATPreset.allCases)
    func timeout(_ preset: NATPreset) throws {
        let timeout = SimDuration.seconds(150)
        let config = try NATConfig(preset: preset, mappingTimeout: timeout)
        var nat = NATBox(publicAddress: natIP, config: config)
        let t0 = seconds(10)
        let mapped = try unwrap(nat.translateOutbound(from: host, to: r1, at: t0))
        #expect(nat.translateInbound(from: r1, to: mapped, at: t0 + timeout - .nanoseconds(1)) == host)
        #expect(nat.mappings(at: t0 + timeout - .nanoseconds(1)).count == 1)
        #expect(nat.mappings(at: t0 + timeout).isEmpty)
        #expect(nat.translateInbound(from: r1, to: mapped, at: t0 + timeout) == nil)
        #expect(nat.stats.expired == 1)
        #expect(nat.stats.droppedUnsolicited == 1)
        #expect(nat.mappings.isEmpty)
        // A new flow after expiry gets a new mapping: the next port in sequence.
        let again = try unwrap(nat.translateOutbound(from: host, to: r1, at: t0 + timeout))
        #expect(again.port == mapped.port + 1)
    }

    @Test("outbound refreshes, inbound does not", arguments: NATPreset.allCases)
    func refreshDirection(_ preset: NATPreset) throws {
        let timeout = NATConfig.defaultMappingTimeout
        var nat = NATBox(publicAddress: natIP, config: NATConfig(preset: preset))
        #expect(nat.config.mappingTimeout == .seconds(300))
        let mapped = try unwrap(nat.translateOutbound(from: host, to: r1, at: .zero))

        // Inbound traffic at 100 s and 200 s does not move the expiry from 300 s.
        var inboundOnly = nat
        #expect(inboundOnly.translateInbound(from: r1, to: mapped, at: seconds(100)) == host)
        #expect(inboundOnly.translateInbound(from: r1, to: mapped, at: seconds(200)) == host)
        #expect(inboundOnly.mappings.map(\.expiry) == [seconds(300)])
        #expect(inboundOnly.translateInbound(from: r1, to: mapped, at: seconds(300)) == nil)

        // An outbound packet at 200 s moves it to 500 s.
        #expect(nat.translateOutbound(from: host, to: r1, at: seconds(200)) == mapped)
        #expect(nat.mappings.map(\.lastRefresh) == [seconds(200)])
        #expect(nat.translateInbound(from: r1, to: mapped, at: seconds(200) + timeout - .nanoseconds(1)) == host)
        #expect(nat.translateInbound(from: r1, to: mapped, at: seconds(200) + timeout) == nil)
    }

    @Test func expireCollectsOnlyIdleMappings() throws {
        var nat = NATBox(publicAddress: natIP, config: NATConfig(preset: .symmetric))
        let early = try unwrap(nat.translateOutbound(from: host, to: r1, at: seconds(0)))
        let late = try unwrap(nat.translateOutbound(from: host, to: probes[3], at: seconds(100)))
        nat.expire(at: seconds(299))
        #expect(nat.mappingCount == 2)
        nat.expire(at: seconds(300))
        #expect(nat.stats.expired == 1)
        #expect(nat.mappings.map(\.publicEndpoint) == [late])
        #expect(nat.translateInbound(from: r1, to: early, at: seconds(301)) == nil)
        #expect(nat.stats.droppedUnsolicited == 1)
    }

    @Test func timeoutsUnderTwoMinutesAreRefused() throws {
        #expect(throws: NATConfigError.mappingTimeoutTooShort(.seconds(60))) {
            try NATConfig(preset: .fullCone, mappingTimeout: .seconds(60))
        }
        #expect(throws: NATConfigError.mappingTimeoutTooShort(.seconds(120) - .nanoseconds(1))) {
            try NATConfig(mapping: .endpointIndependent, filtering: .endpointIndependent,
                          mappingTimeout: .seconds(120) - .nanoseconds(1))
        }
        #expect(throws: NATConfigError.firstPortZero) {
            try NATConfig(preset: .symmetric, mappingTimeout: .seconds(300), firstPort: 0)
        }
        let minimum = try NATConfig(preset: .symmetric, mappingTimeout: .seconds(120))
        #expect(minimum.mappingTimeout == NATConfig.minimumMappingTimeout)

        // The decoder refuses it too.
        let json = #"{"preset":"restricted","mappingTimeout":{"nanoseconds":60000000000}}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(NATConfig.self, from: Data(json.utf8))
        }
    }

    @Test func configCodable() throws {
        let forwards = [UInt16(6881): Endpoint(host.address, 6881), 8080: Endpoint(host.address, 80)]
        let config = try NATConfig(preset: .restricted, mappingTimeout: .seconds(600),
                                   hairpinning: true, portForwards: forwards, firstPort: 40000)
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(NATConfig.self, from: data) == config)

        let minimal = try JSONDecoder().decode(NATConfig.self, from: Data(#"{"preset":"symmetric"}"#.utf8))
        #expect(minimal == NATConfig(preset: .symmetric))
        let overridden = try JSONDecoder().decode(
            NATConfig.self, from: Data(#"{"preset":"symmetric","mapping":"endpoint-independent"}"#.utf8))
        #expect(overridden.preset == .portRestricted)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(NATConfig.self, from: Data(#"{"mapping":"endpoint-independent"}"#.utf8))
        }
        #expect(NATConfig(mapping: .addressDependent, filtering: .endpointIndependent).preset == nil)
    }

    // MARK: Unsolicited traffic, port forwards, reboot

    @Test func unsolicitedInboundIsDroppedAndCounted() {
        var nat = NATBox(publicAddress: natIP, config: NATConfig(preset: .fullCone))
        #expect(nat.translateInbound(from: r1, to: Endpoint(natIP, 49152), at: seconds(1)) == nil)
        #expect(nat.translateInbound(from: r1, to: Endpoint(natIP, 80), at: seconds(1)) == nil)
        // Not even addressed to this NAT.
        #expect(nat.translateInbound(from: r1, to: Endpoint(a2, 49152), at: seconds(1)) == nil)
        #expect(nat.stats.droppedUnsolicited == 3)
        #expect(nat.stats.dropped == 3)
        #expect(nat.stats.translatedIn == 0)
        #expect(nat.mappings.isEmpty)
    }

    @Test("a port forward admits anyone, always", arguments: NATPreset.allCases)
    func portForward(_ preset: NATPreset) throws {
        let server = Endpoint(host.address, 80)
        var nat = NATBox(publicAddress: natIP, config: NATConfig(preset: preset, portForwards: [8080: server]))
        for remote in probes {
            #expect(nat.translateInbound(from: remote, to: Endpoint(natIP, 8080), at: seconds(1)) == server)
        }
        // Long after any timeout, still open.
        #expect(nat.translateInbound(from: r1, to: Endpoint(natIP, 8080), at: seconds(100_000)) == server)
        #expect(nat.stats.translatedIn == probes.count + 1)
        // The forwarded endpoint's replies leave with the forwarded port, whatever the destination.
        for remote in probes {
            #expect(nat.translateOutbound(from: server, to: remote, at: seconds(2)) == Endpoint(natIP, 8080))
        }
        #expect(nat.mappings.isEmpty)
        // Another port is still unsolicited.
        #expect(nat.translateInbound(from: r1, to: Endpoint(natIP, 8081), at: seconds(3)) == nil)
        #expect(nat.stats.droppedUnsolicited == 1)
    }

    @Test func allocationIsSequentialAndSkipsForwards() throws {
        let config = NATConfig(preset: .symmetric, portForwards: [49153: Endpoint(host.address, 22)])
        var nat = NATBox(publicAddress: natIP, config: config)
        var ports: [UInt16] = []
        for remote in probes {
            ports.append(try unwrap(nat.translateOutbound(from: host, to: remote, at: seconds(1))).port)
        }
        #expect(ports == [49152, 49154, 49155, 49156])
        // Same sequence of flows, same ports: a copy replays identically.
        var replay = NATBox(publicAddress: natIP, config: config)
        for remote in probes { _ = replay.translateOutbound(from: host, to: remote, at: seconds(1)) }
        #expect(replay == nat)
        #expect(nat.mappings.map(\.publicEndpoint.port) == ports)
        #expect(nat.mappings.map(\.boundTo) == probes.map { .endpoint($0) })
    }

    @Test func portExhaustionDropsThenRecovers() throws {
        let config = try NATConfig(preset: .symmetric, mappingTimeout: .seconds(120), firstPort: 65534)
        var nat = NATBox(publicAddress: natIP, config: config)
        let p0 = try unwrap(nat.translateOutbound(from: host, to: probes[0], at: seconds(0)))
        let p1 = try unwrap(nat.translateOutbound(from: host, to: probes[1], at: seconds(10)))
        #expect([p0.port, p1.port] == [65534, 65535])
        #expect(nat.translateOutbound(from: host, to: probes[2], at: seconds(20)) == nil)
        #expect(nat.stats.droppedNoPort == 1)
        // Once the first mapping has idled out its port is reused (allocation wraps).
        let p2 = try unwrap(nat.translateOutbound(from: host, to: probes[2], at: seconds(120)))
        #expect(p2.port == 65534)
        #expect(nat.stats.expired == 1)
        #expect(nat.mappings.map(\.publicEndpoint.port) == [65534, 65535])
    }

    @Test func resetLosesMappingsKeepsForwards() throws {
        let server = Endpoint(host.address, 80)
        var nat = NATBox(publicAddress: natIP, config: NATConfig(preset: .fullCone, portForwards: [8080: server]))
        let mapped = try unwrap(nat.translateOutbound(from: host, to: r1, at: seconds(1)))
        _ = nat.translateOutbound(from: Endpoint(host.address, 5001), to: r1, at: seconds(1))
        #expect(nat.mappingCount == 2)
        nat.reset()
        #expect(nat.mappings.isEmpty)
        #expect(nat.translateInbound(from: r1, to: mapped, at: seconds(2)) == nil)
        #expect(nat.stats.droppedUnsolicited == 1)
        #expect(nat.translateInbound(from: r1, to: Endpoint(natIP, 8080), at: seconds(2)) == server)
        // Allocation restarts from the first port.
        let after = nat.translateOutbound(from: Endpoint(host.address, 6000), to: r1, at: seconds(3))
        #expect(after == Endpoint(natIP, 49152))
        #expect(nat.stats.translatedOut == 3)
    }

    // MARK: Hairpinning

    @Test func hairpinningOffDropsOnDrops() throws {
        let peer = Endpoint(IPv4Address(192, 168, 1, 3), 6000)
        var off = NATBox(publicAddress: natIP, config: NATConfig(preset: .fullCone))
        let mapped = try unwrap(off.translateOutbound(from: host, to: r1, at: seconds(1)))
        #expect(off.isHairpin(mapped))
        #expect(!off.isHairpin(r1))
        #expect(off.translateHairpin(from: peer, to: mapped, at: seconds(2)) == nil)
        #expect(off.stats.droppedHairpin == 1)
        #expect(off.mappingCount == 1)

        var on = NATBox(publicAddress: natIP, config: NATConfig(preset: .fullCone, hairpinning: true))
        let mappedOn = try unwrap(on.translateOutbound(from: host, to: r1, at: seconds(1)))
        let hairpin = try unwrap(on.translateHairpin(from: peer, to: mappedOn, at: seconds(2)))
        #expect(hairpin.destination == host)
        // The receiver sees the sender's public endpoint (REQ-9), not its private one.
        #expect(hairpin.source == Endpoint(natIP, 49153))

        // Hairpinned packets still meet the filter: a symmetric NAT's mapping to R1 admits only R1.
        var strict = NATBox(publicAddress: natIP, config: NATConfig(preset: .symmetric, hairpinning: true))
        let mappedStrict = try unwrap(strict.translateOutbound(from: host, to: r1, at: seconds(1)))
        #expect(strict.translateHairpin(from: peer, to: mappedStrict, at: seconds(2)) == nil)
        #expect(strict.stats.droppedFiltered == 1)
    }

    // MARK: UDP hole punching, all 16 ordered preset pairs

    // Rendezvous: A and B each send to S, so S (and then the peer) learns the public endpoint of
    // that mapping, A:s and B:s. Then both punch at once to the learned endpoint, and reply to the
    // source of whatever arrives.
    // - EIM side (full cone, restricted, port-restricted): its punch leaves from the learned
    //   endpoint, and sending to the peer's learned endpoint opened its filter to that exact endpoint.
    // - Cone × cone: each punch leaves from the endpoint the other side targeted and has already
    //   sent to (the two punches cross), so both arrive even through port-restricted filters.
    // - Symmetric × full cone / restricted: the symmetric side's punch leaves from a new port B:n
    //   nobody knows; the cone side's punch to B:s hits the mapping for S, whose filter admits only
    //   S: dropped. But B:n's punch reaches the cone side — full cone admits anyone, restricted
    //   admits B's address, which it has just sent to — and its reply to B:n is exactly the remote
    //   mapping B:n was created for: both directions get through.
    // - Symmetric × port-restricted fails: the port-restricted side has only sent to B:s, so it
    //   drops B:n's punch; its own punch to B:s is dropped by the filter of S's mapping; nothing
    //   arrives, so nobody replies.
    // - Symmetric × symmetric fails: each punch hits the peer's mapping for S, which admits only S.
    private static let expectedPunch: [NATPreset: [NATPreset: Bool]] = [
        //               full-cone          restricted          port-restricted        symmetric
        .fullCone:       [.fullCone: true,  .restricted: true,  .portRestricted: true,  .symmetric: true],
        .restricted:     [.fullCone: true,  .restricted: true,  .portRestricted: true,  .symmetric: true],
        .portRestricted: [.fullCone: true,  .restricted: true,  .portRestricted: true,  .symmetric: false],
        .symmetric:      [.fullCone: true,  .restricted: true,  .portRestricted: false, .symmetric: false],
    ]

    @Test func holePunchMatrixIsSymmetric() throws {
        for a in NATPreset.allCases {
            for b in NATPreset.allCases {
                let ab = try #require(Self.expectedPunch[a]?[b] as Bool?)
                let ba = try #require(Self.expectedPunch[b]?[a] as Bool?)
                #expect(ab == ba, "expected \(a)×\(b) differs from \(b)×\(a)")
                #expect(holePunch(a, b) == holePunch(b, a), "simulated \(a)×\(b) differs from \(b)×\(a)")
            }
        }
    }

    @Test("hole punching", arguments: NATPreset.allCases, NATPreset.allCases)
    func holePunching(_ a: NATPreset, _ b: NATPreset) throws {
        let expected = try #require(Self.expectedPunch[a]?[b] as Bool?)
        #expect(holePunch(a, b) == expected, "\(a) × \(b)")
    }

    /// Whether hosts behind NATs with presets `pa` and `pb` get at least one packet through
    /// in each direction, using a rendezvous server and one round of simultaneous punches.
    private func holePunch(_ pa: NATPreset, _ pb: NATPreset) -> Bool {
        var natA = NATBox(publicAddress: IPv4Address(198, 51, 100, 1), config: NATConfig(preset: pa))
        var natB = NATBox(publicAddress: IPv4Address(203, 0, 113, 1), config: NATConfig(preset: pb))
        // Both hosts use the same private endpoint, as two home networks would.
        let a = Endpoint(IPv4Address(192, 168, 1, 2), 5000)
        let b = Endpoint(IPv4Address(192, 168, 1, 2), 5000)
        let server = Endpoint(IPv4Address(192, 0, 2, 1), 3478)
        let hop = SimDuration.milliseconds(40)

        // 1. Register with S; S tells each the other's observed public endpoint.
        var t = SimTime.zero
        guard let aAtS = natA.translateOutbound(from: a, to: server, at: t),
              let bAtS = natB.translateOutbound(from: b, to: server, at: t) else { return false }

        // 2. Simultaneous punches: both leave before either arrives.
        t += hop
        let punchA = natA.translateOutbound(from: a, to: bAtS, at: t)
        let punchB = natB.translateOutbound(from: b, to: aAtS, at: t)
        t += hop
        let bHeard = punchA.flatMap { natB.translateInbound(from: $0, to: bAtS, at: t) } == b ? punchA : nil
        let aHeard = punchB.flatMap { natA.translateInbound(from: $0, to: aAtS, at: t) } == a ? punchB : nil

        // 3. Each side that heard the other replies to the source it observed.
        let replyB = bHeard.flatMap { src in natB.translateOutbound(from: b, to: src, at: t).map { ($0, src) } }
        let replyA = aHeard.flatMap { src in natA.translateOutbound(from: a, to: src, at: t).map { ($0, src) } }
        t += hop
        let aGotReply = replyB.map { natA.translateInbound(from: $0.0, to: $0.1, at: t) == a } ?? false
        let bGotReply = replyA.map { natB.translateInbound(from: $0.0, to: $0.1, at: t) == b } ?? false

        let aReceived = aHeard != nil || aGotReply
        let bReceived = bHeard != nil || bGotReply
        return aReceived && bReceived
    }
}
