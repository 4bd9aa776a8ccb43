import Foundation
import Testing

/// `inetlab sweep`: distribution time against N for the swarm and the client–server baseline.
@Suite struct SweepTests {
    static let scenario = """
    name: sweep
    seed: 1
    duration: 600s
    regions: [{name: eu}]
    swarms: [{name: f, file-size: 2MB, tracker: tracker}]
    hosts:
      - {group: tracker, up: 10Mbps, down: 10Mbps, app: {tracker: {}}}
      - {group: seed, up: 2Mbps, down: 10Mbps, app: {peer: {swarm: f, seed: true}}}
      - {group: peer, count: 4, up: 1Mbps, down: 10Mbps, app: {peer: {swarm: f}}}
      - {group: server, up: 2Mbps, down: 10Mbps, app: {file-server: {swarm: f}}}
      - {group: client, count: 4, up: 1Mbps, down: 10Mbps, app: {file-client: {swarm: f, server: server}}}
    """

    static func file() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString).yaml").path
        try scenario.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func csvRowsFollowTheTextbook() throws {
        let r = try CLI.run(["sweep", try Self.file(), "--vary", "hosts.2.count=2,5,10,20", "--vary", "hosts.4.count=2,5,10,20", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) } }
        #expect(rows.count == 4)
        for row in rows {
            let (n, swarm, p2p, cs, csBound) = (row[0] ?? 0, row[1] ?? 0, row[2] ?? 0, row[3] ?? 0, row[4] ?? 0)
            // Neither system beats its lower bound; the client–server bound is N·F/u_s (2 MB over 2 Mbps per copy).
            #expect(swarm >= p2p && cs >= csBound, "N = \(n)")
            #expect(abs(csBound - n * 2_000_000 * 8 / 2_000_000) < 0.5, "N·F/u_s at N = \(n): \(csBound)")
        }
        // Client–server time grows linearly in N; the swarm's grows far slower.
        let first = rows[0], last = rows[3]
        #expect((last[3] ?? 0) / (first[3] ?? 1) > 8)
        #expect((last[1] ?? 0) / (first[1] ?? 1) < 5)
    }

    @Test func textHasATableAndAChartOnOneAxis() throws {
        let r = try CLI.run(["sweep", try Self.file(), "--vary", "hosts.2.count=2,20", "--vary", "hosts.4.count=2,20"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let chart = lines.filter { $0.hasPrefix("2 ") || $0.hasPrefix("20 ") }.filter { $0.contains("·") }
        #expect(chart.count == 2)
        // On each line the swarm (P) is right of its bound (p); at N = 20 client–server (C) is the last mark.
        for line in chart {
            let p = try #require(line.firstIndex(of: "p")), P = try #require(line.firstIndex(of: "P"))
            #expect(p < P, "\(line)")
        }
        #expect(chart[1].trimmingCharacters(in: .whitespaces).last == "C")
        #expect(lines.last?.contains("Kurose & Ross") == true)
    }

    @Test func mismatchedOrBadValuesAreRefused() throws {
        let path = try Self.file()
        let r1 = try CLI.run(["sweep", path, "--vary", "hosts.2.count=2,5", "--vary", "hosts.4.count=2"])
        #expect(r1.status != 0 && r1.stderr.contains("as many values"))
        let r2 = try CLI.run(["sweep", path, "--vary", "hosts.2.count=2,lots"])
        #expect(r2.status == 2 && r2.stderr.contains("hosts.2.count"), "\(r2.stderr)")
        // An empty value between commas is an error, not silently dropped.
        let r3 = try CLI.run(["sweep", path, "--vary", "hosts.2.count=2,,5"])
        #expect(r3.status != 0 && r3.stderr.contains("every value must be given"), "\(r3.stderr)")
    }

    /// A scenario without a swarm has no distribution time to chart: say so instead of a table of dashes.
    @Test func aScenarioWithoutASwarmIsRefused() throws {
        let hello = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("labs/00-hello/hello.yaml").path
        let r = try CLI.run(["sweep", hello, "--vary", "round=10s,20s"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no swarm to sweep") && r.stdout.isEmpty, "\(r.stderr)")
    }
}
