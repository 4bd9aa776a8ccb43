import Foundation
import Testing
import SimKernel
@testable import Scenario

/// Upper bounds on scenario input: values that used to trap (Int64 overflow), hang or exhaust memory are
/// now located errors. Each expectation states the exact message, so a missing bound fails the test
/// (before the fix most of these crashed the test process or never returned).
@Suite struct LimitsTests {
    func error(_ yaml: String) -> String? { loadError(yaml) }
    let base = minimalScenario

    func with(_ line: String) -> String { base.replacingOccurrences(of: "duration: 60s", with: line) }

    // MARK: F2: run length

    /// `rounds × round` used to overflow Int64 and trap while loading; `duration` had no upper bound.
    @Test func runLengthIsBounded() {
        #expect(error(with("rounds: 1000000000000"))
                == "s.yaml:2:9: error: rounds: the run would have 1000000000000 rounds of 10s; at most 100000: give fewer rounds")
        #expect(error(with("rounds: 9223372036854775807"))?.hasPrefix("s.yaml:2:9: error: rounds: the run would have 9223372036854775807 rounds") == true)
        #expect(error(with("duration: 2562047h"))
                == "s.yaml:2:11: error: duration: must be at most 87600h (10 years of virtual time), found 2562047h")
        #expect(error(with("duration: 87601h")) == "s.yaml:2:11: error: duration: must be at most 87600h (10 years of virtual time), found 87601h")
        #expect(error(with("duration: 87600h") + "\nround: 1h") == nil)
        #expect(error(with("duration: 10s") + "\nround: 2000000h") == "s.yaml:9:8: error: round: must be at most 87600h (10 years), found 2000000h")
        #expect(error(with("rounds: 100000") + "\nround: 1000h")
                == "s.yaml:2:9: error: rounds: 100000 rounds of 1000h run longer than 87600h (10 years of virtual time): make 'round' shorter or give fewer rounds")
        #expect(error(with("rounds: 87") + "\nround: 1000h") == nil)
    }

    /// The longest allowed run reports its rounds without overflowing (`whole + round - 1` used to trap).
    @Test func theLongestRunCountsItsRounds() throws {
        let run = ScenarioRun(try ScenarioLoader.parse(with("duration: 87600h") + "\nround: 87600h", file: "s.yaml"))
        #expect(run.totalRounds == 1)
        var spec = try ScenarioLoader.parse(base, file: "s.yaml").spec
        (spec.duration, spec.rounds, spec.round) = (nil, .max, TimeSpan(.seconds(10)))
        #expect(spec.endTime == .never, "built in code, past the bounds: saturates instead of trapping")
    }

    // MARK: F3: latencies

    /// Path latencies add three one-way latencies; `latency: 2000000h` used to trap in the loader.
    @Test func latenciesAreAtMostAnHour() {
        let message = "a one-way latency must be at most 1h, found 2000000h"
        #expect(error(base + "\n    latency: 2000000h") == "s.yaml:9:14: error: hosts[0].latency: \(message)")
        #expect(error(base + "\n    latency: 1h") == nil)
        #expect(error(base + "\nlatency: {inside: 2000000h}") == "s.yaml:9:19: error: latency.inside: \(message)")
        #expect(error(base + "\nlatency: {default: 2000000h}") == "s.yaml:9:20: error: latency.default: \(message)")
        let between = base.replacingOccurrences(of: "  - name: eu", with: "  - name: eu\n  - name: us")
            + "\nlatency: {between: [{regions: [eu, us], latency: 1h1s}]}"
        #expect(error(between) == "s.yaml:10:50: error: latency.between[0].latency: a one-way latency must be at most 1h, found 1h1s")
    }

    // MARK: F5: swarms and .torrent files

    @Test func requestSizeIsAtMost16MiBEvenWithATorrent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A single piece of 4 GiB (one 20-byte hash), and one of 16 MiB.
        func torrent(pieceLength: Int) -> Data {
            Data("d4:infod6:lengthi\(pieceLength)e4:name4:file12:piece lengthi\(pieceLength)e6:pieces20:\(String(repeating: "x", count: 20))ee".utf8)
        }
        try torrent(pieceLength: 1 << 32).write(to: dir.appendingPathComponent("huge.torrent"))
        try torrent(pieceLength: 16 << 20).write(to: dir.appendingPathComponent("ok.torrent"))
        // Larger than the 64 MiB cap (sparse: nothing is written).
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("big.torrent").path, contents: nil)
        let big = try FileHandle(forWritingTo: dir.appendingPathComponent("big.torrent"))
        try big.truncate(atOffset: UInt64(64 << 20) + 1)
        try big.close()
        func load(_ file: String, requestSize: String = "16KiB") -> String? {
            let yaml = """
            name: t
            duration: 60s
            regions: [{name: eu}]
            swarms: [{name: f, torrent: \(file), request-size: \(requestSize)}]
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
        #expect(load("ok.torrent", requestSize: "16MiB") == nil)
        let e = load("ok.torrent", requestSize: "4GiB")
        #expect(e?.hasSuffix("s.yaml:4:55: error: swarms[0].request-size: must be a power of two from 16KiB to 16MiB, found 4GiB") == true, "\(e ?? "accepted")")
        #expect(load("huge.torrent")?.hasSuffix("s.yaml:4:29: error: swarms[0].torrent: the torrent's piece length is 4294967296 bytes; a simulated swarm's pieces are at most 16MiB") == true)
        #expect(load("big.torrent")?.hasSuffix("error: swarms[0].torrent: cannot read '\(dir.path)/big.torrent': is larger than 64 MiB; is it the right file?") == true)
        #expect(load("/dev/zero")?.hasSuffix("error: swarms[0].torrent: cannot read '/dev/zero': is a device, not a file") == true)
    }

    /// A synthetic file is hashed while loading, about a second per GiB: 1 TiB took a quarter of an hour.
    @Test func syntheticFilesAreAtMost4GiB() {
        func swarm(_ size: String) -> String {
            base + "\n    app: {peer: {swarm: f, seed: true}}\nswarms: [{name: f, file-size: \(size)}]"
        }
        #expect(error(swarm("1TiB")) == "s.yaml:10:31: error: swarms[0].file-size: must be between 1 byte and 4GiB (a synthetic file's pieces are hashed while the scenario loads), found 1TiB")
        #expect(error(swarm("4294967297"))?.hasSuffix("must be between 1 byte and 4GiB (a synthetic file's pieces are hashed while the scenario loads), found 4294967297B") == true)
        #expect(error(swarm("1MiB")) == nil)
    }

    // MARK: F6: merge keys

    /// The load error of `yaml`, which must come in well under a second (these inputs used to hang).
    func errorWithinASecond(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let start = ContinuousClock.now
        let e = error(yaml)
        #expect(ContinuousClock.now - start < .seconds(1), sourceLocation: sourceLocation)
        return e
    }

    /// Each level merges the previous one twice. Aliases are shared, not copied, so 42 lines expanded to
    /// about 2^40 entries and the decoder never returned.
    @Test func exponentialMergesFailFast() {
        var yaml = "x0: &a0 {k: 1}\n"
        for i in 1...40 { yaml += "x\(i): &a\(i) {<<: [*a\(i - 1), *a\(i - 1)]}\n" }
        yaml += "<<: *a40\n"
        let e = errorWithinASecond(yaml)
        #expect(e == #"s.yaml:42:1: error: ["<<"]: merge keys ('<<') nest more than 16 deep (a merged mapping merging another, …); merge fewer mappings"#)
    }

    /// Within the depth bound, a fan-out of 4 over 15 levels is 4^15 ≈ 10^9 entries: the entry bound stops it.
    @Test func wideMergesFailFast() {
        var yaml = "x0: &a0 {k: 1}\n"
        for i in 1...15 { yaml += "x\(i): &a\(i) {<<: [*a\(i - 1), *a\(i - 1), *a\(i - 1), *a\(i - 1)]}\n" }
        yaml += "<<: *a15\n"
        let e = errorWithinASecond(yaml)
        #expect(e == #"s.yaml:17:1: error: ["<<"]: merge keys ('<<') expand to more than 100000 entries here (an alias is expanded again wherever it is merged); merge fewer mappings"#)
        // Empty mappings merged over and over count as well.
        let empty = "x0: &a0 {}\n" + (1...15).map { "x\($0): &a\($0) {<<: [*a\($0 - 1), *a\($0 - 1), *a\($0 - 1), *a\($0 - 1)]}\n" }.joined() + "<<: *a15\n"
        #expect(error(empty)?.contains("expand to more than 100000 entries") == true)
    }

    /// Ordinary merges are untouched by the bounds.
    @Test func ordinaryMergesStillWork() {
        let yaml = """
        name: t
        duration: 60s
        regions: [{name: eu}]
        defaults: &d {up: 1Mbps, down: 1Mbps}
        hosts:
          - {<<: *d, group: a}
          - {<<: [*d], group: b, latency: 20ms}
        """
        // 'defaults' is not a scenario key: the merges themselves went through.
        #expect(error(yaml)?.contains("unknown key 'defaults'") == true)
        #expect(error(yaml.replacingOccurrences(of: "defaults: &d {up: 1Mbps, down: 1Mbps}\n", with: "")
                          .replacingOccurrences(of: "<<: *d", with: "<<: {up: 1Mbps, down: 1Mbps}")
                          .replacingOccurrences(of: "<<: [*d]", with: "<<: [{up: 1Mbps}, {down: 1Mbps}]")) == nil)
    }

    // MARK: F7: population

    /// `churn: {every: 1s, join: 100000}` over an hour used to build 360 million hosts.
    @Test func hostsAreAtMost100000CountingChurnArrivals() {
        #expect(error(base.replacingOccurrences(of: "duration: 60s", with: "duration: 1h") + "\n    churn: {every: 1s, join: 100000}")
                == "s.yaml:9:30: error: hosts[0].churn.join: the scenario would have 359900001 (1 + 359900000 churn arrivals in group 'a') hosts or more; at most 100000 per scenario, counting churn arrivals")
        #expect(error(base + "\n    churn: {every: 1s, join: 1000000000000}") == "s.yaml:9:30: error: hosts[0].churn.join: must be at most 100000 (hosts per scenario), found 1000000000000")
        #expect(error(base + "\n    churn: {every: 1s, leave: 1000000000000}") == "s.yaml:9:31: error: hosts[0].churn.leave: must be at most 100000 (hosts per scenario), found 1000000000000")
        let twoGroups = base + "\n    count: 60000\n  - {group: b, count: 40000, up: 1Mbps, down: 1Mbps}\n  - {group: c, count: 1, up: 1Mbps, down: 1Mbps}"
        #expect(error(twoGroups) == "s.yaml:11:23: error: hosts[2].count: the scenario would have 100001 hosts or more; at most 100000 per scenario, counting churn arrivals")
        #expect(error(twoGroups.replacingOccurrences(of: "count: 40000", with: "count: 39999")) == nil)
    }

    /// Churn with nobody left to leave and nobody arriving used to tick through the whole run
    /// (10 years at 1 s: 3×10^8 empty ticks) while the run was built.
    @Test func churnThatCanChangeNothingStopsTicking() throws {
        let loaded = try ScenarioLoader.parse(with("duration: 87600h\nround: 1000h") + "\n    churn: {every: 1s, leave: 1}", file: "s.yaml")
        let start = ContinuousClock.now
        let run = ScenarioRun(loaded)
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(run.totalRounds == 88)
    }

    /// Session churn is scheduled before the run: a million hosts-seconds of 1 s sessions would fill memory.
    @Test func sessionChurnIsBounded() {
        let yaml = with("duration: 87600h\nround: 1000h")
            + "\n    count: 1000\n    sessions: {session: {fixed: 1s}, downtime: {fixed: 1s}}"
        #expect(error(yaml)?.hasSuffix("hosts[0].sessions: session churn would schedule about 315360000000 departures and returns; at most 10000000 per scenario: make sessions and downtimes longer, the run shorter or the groups smaller") == true)
        #expect(error(base + "\n    count: 100\n    sessions: {session: {exponential: 30m}, downtime: {exponential: 10m}}") == nil)
    }

    /// The benchmark scenarios (10001 hosts; 1000 hosts plus 5 arrivals every 100 s) stay within the bounds.
    @Test(arguments: ["flash-crowd-10k", "flash-crowd-10k-pieces", "peersim-equivalent", "peersim-equivalent-pieces"])
    func benchmarksStayWithinTheBounds(name: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Benchmarks/scenarios/\(name).yaml").path
        let loaded = try ScenarioLoader.load(path: path)
        #expect(!loaded.spec.hosts.isEmpty)
    }
}
