import Foundation
import Testing

/// The bundled labs, checked through the real binary: every check passes with the lab's seeds and two
/// others (1 and 3); each deliberately broken variant fails, on the check it is meant to break.
@Suite struct LabTests {
    static let labs = ["01-client-server-vs-p2p", "02-piece-selection", "03-incentives", "04-tracker-crash-and-dht"]

    /// The check ids a lab's checks.yaml declares (read from the file, not from our code).
    static func checkIDs(_ lab: String) throws -> [String] {
        let text = try String(contentsOf: CLI.root.appendingPathComponent("labs/\(lab)/checks.yaml"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("- id: ") ? String(t.dropFirst("- id: ".count)) : nil
        }
    }

    @Test func labsListsTheBundledLabs() throws {
        let r = try CLI.run(["labs"])
        #expect(r.status == 0)
        for lab in Self.labs {
            let line = r.stdout.split(separator: "\n").first { $0.contains(lab) }
            #expect(line != nil, "\(lab) is not listed")
            #expect(line.map { $0.count > lab.count + 10 } == true, "\(lab) has no description")
        }
    }

    // Not seed 2: there lab 02's rarest-first and random tie (36 copies of the rarest piece with either at
    // 70 s), as its INSTRUCTOR.md explains; every lab passes at seeds 3 and 4.
    @Test(arguments: labs, [nil, "1", "3"] as [String?])
    func everyCheckPasses(lab: String, seed: String?) throws {
        var args = ["check", "labs/\(lab)", "--threads", "2"]
        if let seed { args += ["--seed", seed] }
        let r = try CLI.run(args)
        let ids = try Self.checkIDs(lab)
        #expect(!ids.isEmpty)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for id in ids {
            #expect(lines.contains { $0.hasPrefix("PASS  \(id) ") }, "\(lab) seed \(seed ?? "default"): \(id)\n\(r.stdout)\(r.stderr)")
        }
        #expect(!lines.contains { $0.hasPrefix("FAIL") }, "\(r.stdout)")
        #expect(lines.last == "\(ids.count)/\(ids.count) checks passed")
        #expect(r.status == 0)
    }

    @Test(arguments: [
        ("01-client-server-vs-p2p", "swarm-time-grows-slowly"),
        ("02-piece-selection", "rarest-keeps-pieces-available"),
        ("03-incentives", "staying-seeds-speed-everyone-up"),
        ("04-tracker-crash-and-dht", "dht-carries-on"),
        ("04-tracker-crash-and-dht", "replication-keeps-the-seed"),
    ])
    func brokenVariantFails(lab: String, failing: String) throws {
        let r = try CLI.run(["check", "labs/\(lab)/broken", "--threads", "2"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.hasPrefix("FAIL  \(failing) ") }, "\(r.stdout)")
        // The line says what was measured, what was expected and why; the hint follows.
        let line = lines[index]
        #expect(line.contains(" measured ") && line.contains(" expected ") && line.contains(" — "), "\(line)")
        #expect(index + 1 < lines.count && lines[index + 1].hasPrefix("      hint: "))
    }

    /// A scaled check (`swarms[0].distribution_time_s * 3 <= …`) shows the value a student finds in the
    /// report, not only the product.
    @Test func measuredShowsTheNumberInTheReport() throws {
        let r = try CLI.run(["check", "01", "--only", "swarm-beats-server", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let run = try CLI.run(["run", "labs/01-client-server-vs-p2p/scale.yaml", "--set", "hosts.2.count=50",
                               "--set", "hosts.4.count=50", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let swarm = try #require((report["swarms"] as? [[String: Any]])?.first)
        let time = try #require((swarm["distribution_time_s"] as? NSNumber)?.doubleValue)
        func format(_ x: Double) -> String {
            var s = String(format: "%.3f", x)
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
            return s
        }
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("PASS  swarm-beats-server ") }, "\(r.stdout)")
        #expect(line.contains("measured \(format(3 * time)) = \(format(time)) * 3 (swarms[0].distribution_time_s * 3)  expected <= "), "\(line)")
    }

    @Test func jsonForGraders() throws {
        // A bundled lab by its number, one check.
        let r = try CLI.run(["check", "03", "--only", "free-riders-upload-nothing", "--format", "json", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["passed"] as? Bool == true)
        #expect(json["checks_total"] as? Int == 1 && json["checks_passed"] as? Int == 1)
        let check = try #require((json["checks"] as? [[String: Any]])?.first)
        #expect(check["id"] as? String == "free-riders-upload-nothing")
        #expect(check["passed"] as? Bool == true)
        #expect(check["reason"] is NSNull)
        #expect((check["measured"] as? [Any])?.count == 2)
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.map { $0["name"] as? String } == ["riders"])
        #expect((runs.first?["fingerprint"] as? String)?.count == 16)
    }

    @Test func aMalformedLabExitsTwoNamingThePlace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let hello = CLI.root.appendingPathComponent("labs/00-hello/hello.yaml").path
        try "runs: {h: \(hello)}\nchecks:\n  - id: a\n    description: d\n    expect: ping.reply_ratio >= 90 %\n    hint: h\n"
            .write(to: dir.appendingPathComponent("checks.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("\(dir.path)/checks.yaml:5:36: error: checks[0].expect: unexpected character '%'"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)

        let missing = try CLI.run(["check", "no-such-lab"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no lab 'no-such-lab'"))
    }
}
