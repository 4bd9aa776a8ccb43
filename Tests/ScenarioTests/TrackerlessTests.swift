import Testing
@testable import Scenario
import SimKernel

/// Trackerless BitTorrent: peers with a DHT node survive a tracker crash; magnet joins find peers through the DHT.
@Suite struct TrackerlessTests {
    /// A tracker that crashes at 60 s; six more leechers (behind NATs) arrive at 100 s.
    static func crashScenario(dht: Bool, magnetLate: Bool = false) -> String {
        """
        name: tracker-crash
        seed: 3
        duration: 400s
        regions: [{name: eu}]
        swarms:
          - name: movie
            file-size: 4MB
            tracker: tracker
            dht: \(dht)
        hosts:
          - group: tracker
            up: 100Mbps
            down: 100Mbps
            app: { tracker: {} }
          - group: seed
            up: 10Mbps
            down: 10Mbps
            app: { peer: { swarm: movie, seed: true } }
          - group: early
            count: 8
            up: 2Mbps
            down: 20Mbps
            app: { peer: { swarm: movie } }
          - group: late
            count: 6
            join: 100s
            up: 2Mbps
            down: 20Mbps
            nat: port-restricted
            app: { peer: { swarm: movie, magnet: \(magnetLate) } }
        timeline:
          - { at: 60s, crash: tracker }
        """
    }

    func late(_ r: RunReport) -> [SwarmReport.PeerReport] { r.swarms[0].peersDetail.filter { $0.name.hasPrefix("late") } }

    /// Per-round DHT lookups add up to the run's: each lookup is counted in exactly one round, the last
    /// one included when it is shorter than the others. In this run lookups finish at 306 s; with 312 s in
    /// rounds of 10 s the last round is (310, 312], and a window of a whole round length would take 306 s again.
    @Test func everyLookupIsInExactlyOneRound() throws {
        let yaml = Self.crashScenario(dht: true).replacingOccurrences(of: "duration: 400s", with: "duration: 312s")
        let run = ScenarioRun(try ScenarioLoader.parse(yaml, file: "t.yaml"))
        run.runToEnd()
        let report = run.report()
        #expect(report.rounds.count == 32)
        #expect((report.rounds[30].dht?.lookups ?? 0) > 0, "the lookups finishing at 306 s are in round 31")
        let perRound = report.rounds.reduce(0) { $0 + ($1.dht?.lookups ?? 0) }
        let total = try #require(report.dht).lookups
        #expect(total > 0 && perRound == total, "rounds \(perRound), run \(total)")
    }

    @Test func withTheDHTATrackerCrashStrandsNobody() throws {
        let report = try runSwarm(Self.crashScenario(dht: true)).report()
        let s = report.swarms[0]
        #expect(s.discovery == "tracker+dht")
        #expect(s.completed == s.leechers, "every leecher completes although the tracker died before the late ones came")
        #expect(s.stranded == 0)
        // The late peers never reached the tracker: everything they know came from the DHT.
        for p in late(report) {
            #expect(p.peersFromTracker == 0, "\(p.name) cannot have heard from a crashed tracker")
            #expect(p.peersFromDht > 0, "\(p.name) found its peers through the DHT")
            #expect(p.completionS != nil)
        }
        let dht = try #require(report.dht)
        #expect(dht.nodes == 15 && dht.lookups > 0 && dht.storedPeers > 0)
        // Per-round DHT columns: lookups finish in the rounds the late peers arrive in.
        let rounds = report.rounds.filter { ($0.dht?.lookups ?? 0) > 0 }.map(\.timeS)
        #expect(rounds.contains { $0 > 100 && $0 <= 120 }, "lookups of the arrivals at 100 s, found in rounds \(rounds)")
    }

    @Test func withTheTrackerOnlyLateLeechersAreStranded() throws {
        let report = try runSwarm(Self.crashScenario(dht: false)).report()
        let s = report.swarms[0]
        #expect(s.discovery == "tracker")
        #expect(report.dht == nil)
        #expect(s.stranded == 6, "the six leechers arriving after the crash find no one")
        #expect(s.completed == 8)
        #expect(late(report).allSatisfy { $0.completionS == nil && $0.peersFromDht == 0 })
    }

    @Test func magnetJoinsFindPeersThroughTheDHTAlone() throws {
        let report = try runSwarm(Self.crashScenario(dht: true, magnetLate: true).replacingOccurrences(of: "  - { at: 60s, crash: tracker }", with: "  - { at: 390s, crash: tracker }")).report()
        // The tracker is up the whole time, but magnet peers never ask it.
        for p in late(report) {
            #expect(p.peersFromTracker == 0)
            #expect(p.peersFromDht > 0)
            #expect(p.completionS != nil, "\(p.name) completes from a magnet link")
        }
    }

    @Test func sameRunForAnyThreadCount() throws {
        let loaded = try ScenarioLoader.parse(Self.crashScenario(dht: true), file: "t.yaml")
        let fingerprints = [1, 3].map { threads -> String in
            let run = ScenarioRun(loaded, threads: threads)
            withLargeStack { run.runToEnd() }
            return run.report().json()
        }
        #expect(fingerprints[0] == fingerprints[1])
    }

    @Test func rarityHistogramCountsEveryPieceOnce() throws {
        let report = try runSwarm(Self.crashScenario(dht: false)).report()
        let pieces = report.swarms[0].pieces
        for row in report.rounds {
            let h = try #require(row.rarity)
            #expect(h.reduce(0, +) == pieces)
            // The least available piece is the first non-empty bin.
            #expect(h.firstIndex { $0 > 0 } == min(row.minAvailability ?? -1, RoundRow.rarityBins - 1))
        }
    }

    @Test func scenarioErrorsNameTheLine() throws {
        let magnetWithoutDHT = Self.crashScenario(dht: false, magnetLate: true)
        let e1 = #expect(throws: ScenarioError.self) { try ScenarioLoader.parse(magnetWithoutDHT, file: "m.yaml") }
        #expect(e1?.message.contains("dht: true") == true)
        #expect(e1?.line == 30, "the late group's app line")

        let natOnly = """
        name: n
        duration: 10s
        regions: [{name: eu}]
        swarms: [{name: f, file-size: 1MB, dht: true}]
        hosts:
          - {group: p, count: 2, up: 1Mbps, down: 1Mbps, nat: symmetric, app: {peer: {swarm: f}}}
        """
        let e2 = #expect(throws: ScenarioError.self) { try ScenarioLoader.parse(natOnly, file: "n.yaml") }
        #expect(e2?.message.contains("bootstrap") == true)

        let badRepublish = natOnly.replacingOccurrences(of: "nat: symmetric, ", with: "") + "\ndht: {republish: sometimes}\n"
        let e3 = #expect(throws: ScenarioError.self) { try ScenarioLoader.parse(badRepublish, file: "r.yaml") }
        #expect(e3?.message.contains("off") == true)
        #expect(e3?.line == 7)

        let badBootstrap = natOnly.replacingOccurrences(of: "nat: symmetric, ", with: "") + "\ndht: {bootstrap: [ghost]}\n"
        let e4 = #expect(throws: ScenarioError.self) { try ScenarioLoader.parse(badBootstrap, file: "b.yaml") }
        #expect(e4?.message.contains("ghost") == true)
    }
}

/// Replication under churn, in a scenario: a seed announces at the start; DHT nodes come and go (10 % of
/// them a minute); magnet leechers arrive 50 minutes later and can only find the seed through what the DHT
/// still stores. Announced once, every node that stored it has left by then; re-announced every 5 minutes,
/// it is on the nodes currently closest to the info-hash.
@Suite struct ReplicationTests {
    static func scenario(republish: String) -> String {
        """
        name: dht-churn
        seed: 1
        duration: 3300s
        regions: [{name: eu}, {name: us}]
        swarms:
          - { name: notes, file-size: 2MB, dht: true }
        dht: { bootstrap: [router, seed], republish: \(republish), lookup-interval: 3300s }
        hosts:
          - { group: router, region: eu, up: 10Mbps, down: 10Mbps, app: { dht-node: { store: false } } }
          - group: node
            count: 40
            region: us
            up: 1Mbps
            down: 10Mbps
            churn: { every: 60s, leave: 4, join: 4 }
            app: { dht-node: {} }
          - { group: seed, region: eu, up: 2Mbps, down: 10Mbps, app: { peer: { swarm: notes, seed: true } } }
          - group: late
            count: 4
            join: 3000s
            region: us
            up: 1Mbps
            down: 10Mbps
            app: { peer: { swarm: notes, magnet: true } }
        """
    }

    @Test func republishingKeepsTheSeedFindableAndStoringOnceLosesIt() throws {
        let kept = try runSwarm(Self.scenario(republish: "300s")).report()
        let lost = try runSwarm(Self.scenario(republish: "off")).report()
        #expect(kept.swarms[0].completed == 4, "with replication the late leechers find the seed")
        #expect(kept.swarms[0].stranded == 0)
        #expect(lost.swarms[0].completed == 0, "without it, the nodes that stored the seed have all left")
        #expect(lost.swarms[0].stranded == 4)
        // Churn is the same in both: the nodes that ran are the same number.
        #expect(kept.dht?.nodes == lost.dht?.nodes)
        #expect((kept.rounds.last?.dht?.storedPeers ?? 0) > 0)
    }
}

/// Session churn: hosts alternate sessions and downtimes drawn from distributions.
@Suite struct SessionChurnTests {
    static func scenario(_ sessions: String) -> String {
        """
        name: sessions
        seed: 4
        duration: 4h
        round: 60s
        regions: [{name: eu}]
        hosts:
          - group: node
            count: 200
            up: 1Mbps
            down: 1Mbps
            sessions: \(sessions)
        """
    }

    /// An alternating renewal process is up a fraction E[session] / (E[session] + E[downtime]) of the time.
    @Test(arguments: [("{session: {exponential: 30m}, downtime: {exponential: 10m}}", 0.75),
                      ("{session: {pareto: 20m, shape: 2.5}, downtime: {fixed: 20m}}", 0.5)])
    func availabilityMatchesTheRenewalFormula(sessions: String, expected: Double) throws {
        let run = ScenarioRun(try ScenarioLoader.parse(Self.scenario(sessions), file: "s.yaml"))
        withLargeStack { run.runToEnd() }
        // Skip the first two hours (everyone starts online); average the rest.
        let rows = run.rows.filter { $0.timeS > 7200 }
        let online = Double(rows.map(\.hostsRunning).reduce(0, +)) / Double(rows.count * 200)
        #expect(abs(online - expected) < 0.06, "online fraction \(online), renewal theory says \(expected)")
        #expect(run.rows[0].hostsRunning > 180, "everyone starts online")
    }

    @Test func badDistributionsAreRefusedWithTheirPlace() throws {
        let e1 = #expect(throws: ScenarioError.self) {
            try ScenarioLoader.parse(Self.scenario("{session: {pareto: 20m}, downtime: {fixed: 1m}}"), file: "p.yaml")
        }
        #expect(e1?.message.contains("shape") == true)
        #expect(e1?.line == 11)
        let e2 = #expect(throws: ScenarioError.self) {
            try ScenarioLoader.parse(Self.scenario("{session: {exponential: 20m, fixed: 1m}, downtime: {fixed: 1m}}"), file: "x.yaml")
        }
        #expect(e2?.message.contains("exactly one") == true)
        let e3 = #expect(throws: ScenarioError.self) {
            try ScenarioLoader.parse(Self.scenario("{session: {fixed: 1m}, downtime: {fixed: 1m}, departure: vanish}"), file: "d.yaml")
        }
        #expect(e3?.message.contains("leave or crash") == true)
    }
}
