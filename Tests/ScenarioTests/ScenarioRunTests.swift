import Foundation
import Testing
import SimKernel
import Network
@testable import Scenario

/// The repository root, found from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let helloPath = repoRoot.appendingPathComponent("labs/00-hello/hello.yaml").path

func hello(_ overrides: [String] = []) throws -> LoadedScenario {
    try ScenarioLoader.load(path: helloPath, overrides: overrides)
}

@Suite struct ScenarioRunTests {
    @Test func helloIsDeterministicAcrossThreadCounts() throws {
        let s = try hello()
        let reports = [1, 2, 4].map { threads -> String in
            let run = ScenarioRun(s, threads: threads)
            run.runToEnd()
            return run.report().json()
        }
        #expect(reports[0] == reports[1])
        #expect(reports[0] == reports[2])
        #expect(reports[0].contains("\"fingerprint\""))
    }

    /// A sink given to the run sees every entry the log records, those of time zero (the joins) included.
    @Test func logSinkSeesEveryRecordedEntry() throws {
        var seen: [LogEntry] = []
        var names: [String] = []
        let run = ScenarioRun(try hello(["options={log-capacity: 5}"]), logSink: { entry, hostNames in
            seen.append(entry)
            names = hostNames
        })
        #expect(seen.filter { $0.kind == "host.join" }.count == 8)
        run.runToEnd()
        let report = run.report()
        #expect(seen.count == report.log.recorded)
        #expect(report.log.retained == 5)
        #expect(names == run.hostNames)
    }

    /// Keys documented as null are in the JSON with the value null, not left out (synthesized Codable
    /// skips nil optionals); keys documented as absent stay absent.
    @Test func jsonShowsDocumentedNullsAsNull() throws {
        func object(_ json: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        }
        // hello at time zero: ping hosts, no probes yet.
        let start = try object(ScenarioRun(try hello()).report().json())
        let ping = try #require(start["ping"] as? [String: Any])
        #expect(ping["rtt_mean_ms"] is NSNull)
        #expect(ping["rtt_max_ms"] is NSNull)
        #expect(start["client_server"] == nil && start["dht"] == nil)

        // hello run to the end: the round after the crash at 60 s has no replies.
        let run = ScenarioRun(try hello())
        run.runToEnd()
        let end = try object(run.report().json())
        let rounds = try #require(end["rounds"] as? [[String: Any]])
        let silent = try #require(rounds.first { ($0["time_s"] as? Double) == 70 })
        #expect(silent["ping_replies"] as? Int == 0)
        #expect(silent["ping_rtt_mean_ms"] is NSNull)
        #expect(rounds.allSatisfy { $0["swarm_completed"] == nil && $0["dht"] == nil })

        // A swarm one second in: the peers have joined, nobody has finished, some have downloaded nothing yet.
        let swarmFile = repoRoot.appendingPathComponent("labs/00-hello/swarm.yaml").path
        let swarmRun = ScenarioRun(try ScenarioLoader.load(path: swarmFile))
        swarmRun.advance(to: .seconds(1))
        let swarmStart = try object(swarmRun.report().json())
        let swarm = try #require((swarmStart["swarms"] as? [[String: Any]])?.first)
        #expect(swarm["distribution_time_s"] is NSNull)
        #expect((swarm["free_riders"] as? [String: Any])?["mean_completion_s"] is NSNull)
        let peers = try #require(swarm["peers_detail"] as? [[String: Any]])
        let idle = try #require(peers.first { $0["role"] as? String == "leecher" && $0["downloaded"] as? Int == 0 })
        for key in ["completion_s", "first_piece_s", "share_ratio"] { #expect(idle[key] is NSNull, "\(key)") }
        #expect((swarmStart["client_server"] as? [String: Any])?["distribution_time_s"] is NSNull)
    }

    /// The parallel executor on the lab scenarios that stress it most: a tracker crash (a control action
    /// between windows) with NATs and the DHT, Poisson arrivals, and churn. Every thread count must give
    /// the same report, fingerprint included.
    @Test(arguments: ["labs/04-tracker-crash-and-dht/tracker-crash.yaml", "labs/03-incentives/steady.yaml",
                      "labs/04-tracker-crash-and-dht/dht-churn.yaml"])
    func labScenariosAreDeterministicAcrossThreadCounts(file: String) throws {
        let s = try ScenarioLoader.load(path: repoRoot.appendingPathComponent(file).path, overrides: ["duration=400s"])
        let reports = [1, 2, 3].map { threads -> String in
            let run = ScenarioRun(s, threads: threads)
            withLargeStack { run.runToEnd() }
            return run.report().json()
        }
        #expect(reports[0] == reports[1])
        #expect(reports[0] == reports[2])
    }

    @Test func seedChangesTheRunAndIsReported() throws {
        let s = try hello()
        let a = ScenarioRun(s, seed: 1), b = ScenarioRun(s, seed: 2)
        a.runToEnd(); b.runToEnd()
        #expect(a.report().fingerprint != b.report().fingerprint)
        #expect(a.report().seed == 1)
    }

    @Test func restoringARoundCheckpointReplaysTheSameRun() throws {
        let s = try hello()
        let straight = ScenarioRun(s)
        straight.runToEnd()
        let run = ScenarioRun(s, keepCheckpoints: true)
        run.runToEnd()
        #expect(run.report() == straight.report())
        // Back to round 5 (before the crash at 60 s), then forward again.
        run.restore(round: 5)
        #expect(run.completedRounds == 5)
        #expect(run.simulation.now == .seconds(50))
        #expect(run.simulation.state.nodes[0].running)
        run.runToEnd()
        #expect(run.report() == straight.report())
        #expect(run.report().json() == straight.report().json())
    }

    /// "Run to the end of the round" includes what happens at exactly its end: after six rounds the crash
    /// timed at 60 s has happened. Stepping event by event onto that instant and then finishing the round
    /// completes the same row (it used to be able to stall with the clock at the boundary).
    @Test func aRoundIncludesWhatHappensAtItsEnd() throws {
        let server = try #require(ScenarioRun(try hello()).hostNames.firstIndex(of: "server"))
        let byRound = ScenarioRun(try hello())
        for _ in 0..<6 { byRound.runRound() }
        #expect(byRound.simulation.now == .seconds(60) && byRound.completedRounds == 6)
        #expect(!byRound.simulation.state.nodes[server].running)

        let byEvent = ScenarioRun(try hello())
        while let t = byEvent.simulation.nextTime, t < .seconds(60) { byEvent.stepEvent() }
        #expect(byEvent.completedRounds == 5)
        byEvent.stepEvent()  // the crash, at exactly 60 s: the clock now stands at the boundary
        #expect(byEvent.simulation.now == .seconds(60) && byEvent.completedRounds == 5)
        let row = try #require(byEvent.runRound())
        #expect(row.round == 6 && row.injections == ["crash server"])
        #expect(byEvent.simulation.state.fingerprint == byRound.simulation.state.fingerprint)
        byEvent.runToEnd()
        #expect(byEvent.isFinished && byEvent.completedRounds == 12)
    }

    @Test func roundRowsShowTheCrashAndTheNATs() throws {
        let run = ScenarioRun(try hello())
        run.runToEnd()
        let rows = run.report().rounds
        #expect(rows.count == 12)
        // A round includes what happens at its end: the crash at 60 s is in round 6 (50–60 s], the restart at
        // 90 s in round 9.
        #expect(rows[5].injections == ["crash server"] && rows[5].hostsRunning == 7)
        #expect(rows[8].injections == ["restart server"] && rows[8].hostsRunning == 8)
        // While the server is down (60–90 s) nobody gets a reply; before and after, most probes are answered.
        #expect(rows[6...8].allSatisfy { $0.pingReplies == 0 && $0.droppedDown > 0 })
        #expect(rows[0...5].allSatisfy { Double($0.pingReplies) > 0.9 * Double($0.pingProbes) })
        let groups = Dictionary(uniqueKeysWithValues: run.report().groups.map { ($0.name, $0) })
        // The server's probes to hosts behind NATs without a forward are all dropped by their NATs.
        #expect((groups["home"]?.droppedNat ?? 0) > 0)
        #expect(groups["home-fwd"]?.droppedNat == 0)
    }

    @Test func overridesChangeTheScenario() throws {
        let s = try hello(["hosts.1.count=10", "seed=99"])
        #expect(s.spec.hosts[1].count == 10)
        #expect(ScenarioRun(s).hostNames.count == 14)
        #expect(ScenarioRun(s).seed == 99)
    }
}

@Suite struct PhysicsTests {
    /// One home host pinging one server: every RTT is exactly the sum of serialisations and latencies.
    @Test func pingRTTIsExactlyThePhysics() throws {
        let yaml = """
        name: rtt
        duration: 30s
        regions: [{name: eu}]
        latency: {inside: 5ms}
        hosts:
          - group: server
            up: 100Mbps
            down: 100Mbps
            latency: 2ms
          - group: home
            up: 1Mbps
            down: 10Mbps
            nat: symmetric
            app: {ping: {targets: [server], interval: 1s, size: 64B}}
        """
        let s = try ScenarioLoader.parse(yaml, file: "rtt.yaml")
        // The server must answer pings: give it the ping app with no targets.
        var spec = s.spec
        spec.hosts[0].app.ping = PingSpec()
        let run = ScenarioRun(LoadedScenario(spec: spec, file: s.file, sourceMap: s.sourceMap))
        run.runToEnd()
        let ping = try #require(run.report().ping)
        // Probe: 64 B on 1 Mbit/s up (512 µs) + 10 + 5 + 2 ms + 100 Mbit/s down (5.12 µs);
        // reply: 100 Mbit/s up (5.12 µs) + 17 ms + 10 Mbit/s down (51.2 µs).
        let expected = 0.512 + 17 + 0.00512 + 0.00512 + 17 + 0.0512
        #expect(abs(try #require(ping.rttMeanMs) - expected) < 0.001)
        #expect(ping.repliesReceived == ping.probesSent - 1 || ping.repliesReceived == ping.probesSent)
    }
}

/// The error a scenario file `s.yaml` with `yaml` gives as it loads, as the user sees it (nil: it loads).
func loadError(_ yaml: String, overrides: [String] = []) -> String? {
    do {
        _ = try ScenarioLoader.parse(yaml, file: "s.yaml", overrides: overrides)
        return nil
    } catch {
        return error.description
    }
}

/// The smallest valid scenario: one region, one host, 60 s (the error tests change one line of it).
let minimalScenario = """
    name: t
    duration: 60s
    regions:
      - name: eu
    hosts:
      - group: a
        up: 1Mbps
        down: 1Mbps
    """

@Suite struct ScenarioErrorTests {
    func error(_ yaml: String, overrides: [String] = []) -> String? { loadError(yaml, overrides: overrides) }
    let base = minimalScenario

    @Test func validBaseLoads() { #expect(error(base) == nil) }

    @Test func unknownRegionIsLocated() {
        #expect(error(base + "\n    region: us") == "s.yaml:9:13: error: hosts[0].region: no region named 'us'; defined regions: eu")
    }

    @Test func unknownKeyIsAnError() {
        let e = error(base + "\n    cuont: 3")
        #expect(e?.hasPrefix("s.yaml:9:5: error: hosts[0]") == true)
        #expect(e?.contains("did you mean 'count'") == true)
    }

    @Test func wrongTypeNamesWhatWasFound() {
        let e = error(base.replacingOccurrences(of: "up: 1Mbps", with: "up: fast"))
        #expect(e?.hasPrefix("s.yaml:7:9: error: hosts[0].up:") == true)
    }

    @Test func durationOrRoundsIsRequired() {
        #expect(error(base.replacingOccurrences(of: "duration: 60s\n", with: ""))?.contains("'duration'") == true)
    }

    @Test func injectionsNameKnownHostsAndFitTheRun() {
        #expect(error(base + "\ntimeline:\n  - at: 10s\n    crash: b") == "s.yaml:11:12: error: timeline[0].crash: no host or group named 'b'; groups: a")
        #expect(error(base + "\ntimeline:\n  - at: 90s\n    crash: a")?.contains("after the end of the run") == true)
        #expect(error(base + "\ntimeline:\n  - at: 10s\n    crash: a\n    restart: a")?.contains("exactly one action") == true)
    }

    @Test func natTimeoutBelowRFCMinimumIsRefused() {
        let e = error(base + "\n    nat: symmetric\n    nat-timeout: 60s")
        #expect(e?.contains("RFC 4787 requires at least 120s") == true)
    }

    @Test func badOverrideIsReportedAgainstTheOverride() {
        let e = error(base, overrides: ["hosts.0.count=ten"])
        #expect(e?.hasPrefix("--set hosts.0.count=ten") == true)
    }

    @Test func duplicateNamesAreRefused() {
        let e = error(base + "\n  - group: a\n    up: 1Mbps\n    down: 1Mbps")
        #expect(e?.contains("already used") == true)
    }

    @Test func requestSizeMustFitThePiece() throws {
        let yaml = """
        name: r
        duration: 60s
        regions: [{name: eu}]
        swarms: [{name: f, file-size: 1MiB, piece-length: 64KiB, request-size: 128KiB}]
        hosts:
          - {group: a, up: 1Mbps, down: 1Mbps, app: {peer: {swarm: f, seed: true}}}
        """
        let e = try #require(error(yaml))
        #expect(e.hasPrefix("s.yaml:4:"), "\(e)")
        #expect(e.contains("swarms[0].request-size") && e.contains("piece length"))
        #expect(error(yaml.replacingOccurrences(of: "128KiB", with: "64KiB")) == nil)
    }

    /// A file client's server must run a file server, and of the client's swarm (it used to pass, then
    /// fetch nothing, or a file of another size).
    @Test func fileClientNeedsAServerOfItsSwarm() throws {
        func scenario(server: String, clientSwarm: String = "a") -> String {
            """
            name: fc
            duration: 60s
            regions: [{name: eu}]
            swarms: [{name: a, file-size: 1MiB}, {name: b, file-size: 2MiB}]
            hosts:
              - {group: origin, up: 10Mbps, down: 10Mbps, app: {file-server: {swarm: a}}}
              - {group: idle, up: 1Mbps, down: 1Mbps}
              - {group: client, count: 2, up: 1Mbps, down: 1Mbps, app: {file-client: {swarm: \(clientSwarm), server: \(server)}}}
            """
        }
        #expect(error(scenario(server: "origin")) == nil)
        #expect(error(scenario(server: "idle")) == "s.yaml:8:93: error: hosts[2].app.file-client.server: 'idle' does not run a file server (give its group 'app: {file-server: {swarm: a}}')")
        #expect(error(scenario(server: "client-1")) == "s.yaml:8:93: error: hosts[2].app.file-client.server: 'client-1' does not run a file server (give its group 'app: {file-server: {swarm: a}}')")
        #expect(error(scenario(server: "origin", clientSwarm: "b")) == "s.yaml:8:93: error: hosts[2].app.file-client.server: 'origin' serves swarm 'a', not 'b'")
        #expect(error(scenario(server: "nobody"))?.contains("no host or group named 'nobody'") == true)
    }

    /// A .torrent's content has the bounds of 'file-size': a 0-byte torrent used to run, with nothing to share.
    @Test func torrentSizeHasTheBoundsOfFileSize() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-torrent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func torrent(length: Int) -> Data {
            let pieces = length == 0 ? "" : String(repeating: "x", count: 20)
            return Data("d4:infod6:lengthi\(length)e4:name4:file12:piece lengthi16384e6:pieces\(pieces.count):\(pieces)ee".utf8)
        }
        try torrent(length: 0).write(to: dir.appendingPathComponent("zero.torrent"))
        try torrent(length: 1000).write(to: dir.appendingPathComponent("small.torrent"))
        func load(_ file: String) -> String? {
            let yaml = """
            name: t
            duration: 60s
            regions: [{name: eu}]
            swarms: [{name: f, torrent: \(file)}]
            hosts:
              - {group: a, up: 1Mbps, down: 1Mbps, app: {peer: {swarm: f, seed: true}}}
            """
            let path = dir.appendingPathComponent("s.yaml").path
            do {
                try yaml.write(toFile: path, atomically: true, encoding: .utf8)
                _ = try ScenarioLoader.load(path: path)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(load("small.torrent") == nil)
        let e = try #require(load("zero.torrent"))
        #expect(e.hasSuffix("s.yaml:4:29: error: swarms[0].torrent: the torrent's content is 0 bytes; a swarm's file must be between 1 byte and 1TiB"), "\(e)")
    }

    /// Durations that drive periodic events have lower bounds, and a run at most 100000 rounds
    /// (`round: 1us` used to run away with memory).
    @Test func roundsAndPeriodicTimersHaveLowerBounds() {
        #expect(error(base + "\nround: 1us") == "s.yaml:9:8: error: round: must be at least 1ms, found 1us")
        #expect(error(base + "\nround: 1ms") == nil)   // 60000 rounds
        #expect(error(base.replacingOccurrences(of: "duration: 60s", with: "duration: 101s") + "\nround: 1ms")
                == "s.yaml:9:8: error: round: the run would have 101000 rounds of 1ms; at most 100000: make 'round' longer or the run shorter")
        #expect(error(base.replacingOccurrences(of: "duration: 60s", with: "rounds: 100001"))?
                    .hasPrefix("s.yaml:2:9: error: rounds: the run would have 100001 rounds") == true)
        #expect(error(base.replacingOccurrences(of: "duration: 60s", with: "rounds: 100000")) == nil)
        #expect(error(base + "\n    app: {ping: {interval: 1us}}")?.hasSuffix("hosts[0].app.ping.interval: must be at least 1ms, found 1us") == true)
        #expect(error(base + "\n    app: {ping: {interval: 1ms}}") == nil)
        #expect(error(base + "\n    sessions: {session: {exponential: 1us}, downtime: {fixed: 1m}}")?.contains("the mean must be at least 1s, found 1us") == true)
    }

    /// A misspelt key is named (with a suggestion) before the complaint about the key it misspells.
    @Test func aMisspeltKeyIsReportedBeforeTheMissingOne() {
        let typo = base.replacingOccurrences(of: "duration: 60s", with: "duraton: 60s")
        #expect(error(typo)?.hasPrefix("s.yaml:2:1: error: duraton: unknown key 'duraton'; expected one of: ") == true)
        #expect(error(typo)?.hasSuffix("did you mean 'duration'?") == true)
        // Without a near miss, the missing key is still what is reported.
        #expect(error(base.replacingOccurrences(of: "duration: 60s\n", with: ""))?.contains("give how long to run") == true)
    }

    /// Files that cannot be read as text say so plainly, with no meaningless 0:0 position.
    @Test func unreadableFilesSayWhatIsWrong() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func loadError(_ path: String) -> String? {
            do { _ = try ScenarioLoader.load(path: path); return nil } catch { return error.description }
        }
        let binary = dir.appendingPathComponent("binary.yaml").path
        try Data("name: t\n".utf8 + [0xFF, 0xFE, 0x00]).write(to: URL(fileURLWithPath: binary))
        #expect(loadError(binary) == "\(binary): error: not UTF-8 text (byte 8 is 0xFF); is it the right file?")
        let latin1 = dir.appendingPathComponent("latin1.yaml").path
        try Data("name: caf".utf8 + [0xE9] + Data("\n".utf8)).write(to: URL(fileURLWithPath: latin1))
        #expect(loadError(latin1) == "\(latin1): error: not UTF-8 text (byte 9 is 0xE9); is it the right file?")
        #expect(loadError(dir.path) == "\(dir.path): error: is a directory, not a file")
        #expect(loadError("/dev/zero") == "/dev/zero: error: is a device, not a file")
        #expect(loadError(dir.appendingPathComponent("none.yaml").path) == "\(dir.appendingPathComponent("none.yaml").path): error: no such file")
        // A byte-order mark is fine.
        let bom = dir.appendingPathComponent("bom.yaml").path
        try Data([0xEF, 0xBB, 0xBF] + Data(base.utf8)).write(to: URL(fileURLWithPath: bom))
        #expect(loadError(bom) == nil)
        #expect(ScenarioLoader.firstInvalidUTF8(Array("héllo €𝄞".utf8)) == nil)
        #expect(ScenarioLoader.firstInvalidUTF8([0x61, 0xC0, 0x80]) == 1)         // overlong
        #expect(ScenarioLoader.firstInvalidUTF8([0x61, 0xED, 0xA0, 0x80]) == 1)   // a surrogate
        #expect(ScenarioLoader.firstInvalidUTF8([0x61, 0x62, 0xE2, 0x82]) == 2)   // cut short
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: "/nonexistent/x.yaml") }
    }
}

@Suite struct SteppingTests {
    @Test func steppingEventsThenRoundsEqualsARun() throws {
        let s = try hello()
        let straight = ScenarioRun(s)
        straight.runToEnd()
        let stepped = ScenarioRun(s)
        for _ in 0..<500 { stepped.stepEvent() }
        #expect(stepped.simulation.now > .zero)
        stepped.advance(to: .seconds(35))
        #expect(stepped.completedRounds == 3)
        stepped.runToEnd()
        #expect(stepped.report().fingerprint == straight.report().fingerprint)
        #expect(stepped.rows == straight.rows)
    }

    @Test func runUntilAConditionStopsWhenItHolds() throws {
        let run = ScenarioRun(try hello())
        let held = run.run(until: { !$0.simulation.state.nodes[0].running })
        #expect(held)
        // The server crashes at 60 s; checked every second, the run stops at 61 s at the latest.
        #expect(run.simulation.now > .seconds(59) && run.simulation.now <= .seconds(61))
    }

    @Test func pauseStopsMidRoundAndResumes() throws {
        // Enough hosts that a round has many thousand events (the run polls every few thousand).
        let s = try hello(["hosts.1.count=200"])
        let straight = ScenarioRun(s)
        straight.runToEnd()
        let run = ScenarioRun(s)
        var polls = 0
        #expect(run.runRound(shouldStop: { _ in polls += 1; return true }) == nil)
        #expect(polls == 1)
        #expect(run.simulation.now < .seconds(10))
        #expect(run.completedRounds == 0)
        run.runToEnd()
        #expect(run.report().fingerprint == straight.report().fingerprint)
    }
}

@Suite struct TimelineRowTests {
    /// What happens at 0 s is in round 1's row, and only there; it comes back with round 1 after stepping
    /// back to the start.
    @Test func timeZeroBelongsToTheFirstRound() throws {
        let yaml = """
        name: zero
        duration: 30s
        regions: [{name: eu}]
        hosts:
          - {group: a, up: 1Mbps, down: 1Mbps}
          - {group: late, up: 1Mbps, down: 1Mbps, absent: true}
        timeline:
          - {at: 0s, join: late}
          - {at: 0s, crash: a}
        """
        let run = ScenarioRun(try ScenarioLoader.parse(yaml, file: "z.yaml"), keepCheckpoints: true)
        run.runToEnd()
        #expect(run.rows.map(\.injections) == [["join late", "crash a"], [], []])
        run.restore(round: 0)
        run.runToEnd()
        #expect(run.rows.map(\.injections) == [["join late", "crash a"], [], []])
    }

    /// A command to an application is listed by its name in the round's injections.
    @Test func applicationCommandsAreNamedInTheRows() throws {
        let yaml = """
        name: cmds
        duration: 30s
        regions: [{name: eu}]
        swarms: [{name: f, file-size: 1MB, tracker: tracker}]
        hosts:
          - {group: tracker, up: 10Mbps, down: 10Mbps, app: {tracker: {}}}
          - {group: seed, up: 2Mbps, down: 10Mbps, app: {peer: {swarm: f, seed: true}}}
          - {group: peer, count: 2, up: 1Mbps, down: 10Mbps, app: {peer: {swarm: f}}}
        timeline:
          - {at: 10s, leave-swarm: seed}
          - {at: 15s, freeride: peer-1}
        """
        let run = ScenarioRun(try ScenarioLoader.parse(yaml, file: "c.yaml"))
        run.runToEnd()
        #expect(run.rows[0].injections == ["leave-swarm seed"])
        #expect(run.rows[1].injections == ["freeride peer-1"])
    }

    @Test func timelineJoinsAndLeavesAppearInTheirRoundsInjections() throws {
        let yaml = """
        name: moves
        duration: 60s
        regions: [{name: eu}]
        hosts:
          - {group: a, up: 1Mbps, down: 1Mbps}
          - {group: late, up: 1Mbps, down: 1Mbps, absent: true}
        timeline:
          - {at: 25s, join: late}
          - {at: 40s, leave: a}
          - {at: 41s, crash: late}
        """
        let run = ScenarioRun(try ScenarioLoader.parse(yaml, file: "m.yaml"))
        run.runToEnd()
        let rows = run.rows
        #expect(rows[2].injections == ["join late"], "round 3 is (20, 30] s")
        #expect(rows[3].injections == ["leave a"], "round 4 is (30, 40] s: it includes 40 s")
        #expect(rows[4].injections == ["crash late"], "round 5 is (40, 50] s")
        #expect(rows.enumerated().allSatisfy { [2, 3, 4].contains($0.offset) || $0.element.injections.isEmpty })
        #expect(rows[2].hostsRunning == 2 && rows[3].hostsRunning == 1 && rows[4].hostsRunning == 0)
    }
}
