import Foundation
import Testing
@testable import Scenario

/// A temporary lab folder with checks files next to a copy of the hello scenario.
private struct TempLab {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-checks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let hello = CheckFixtures.root.appendingPathComponent("labs/00-hello/hello.yaml")
        try FileManager.default.copyItem(at: hello, to: dir.appendingPathComponent("hello.yaml"))
    }
    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
    func remove() { try? FileManager.default.removeItem(at: dir) }
}

private func loadError(_ path: String) -> ScenarioError? {
    do {
        _ = try Lab.load(path: path)
        return nil
    } catch {
        return error
    }
}

@Suite struct ChecksLabFileTests {
    @Test func errorsInsideExpressionsNameLineAndColumn() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        // Plain, quoted and block scalars: the column is that of the offending token in the file.
        let plain = try lab.write("plain.yaml", """
            runs: {h: hello.yaml}
            checks:
              - id: a
                description: d
                expect: ping.reply_ratoi > 0.5
                hint: h
            """)
        let e1 = try #require(loadError(plain))
        #expect(e1.description.hasPrefix("\(plain):5:18: error: checks[0].expect: unknown key 'reply_ratoi' in ping"))
        #expect(e1.message.contains("did you mean 'reply_ratio'?"))

        let quoted = try lab.write("quoted.yaml", """
            runs: {h: hello.yaml}
            checks:
              - id: a
                description: d
                expect: "ping.reply_ratio >> 0.5"
                hint: h
            """)
        let e2 = try #require(loadError(quoted))
        #expect((e2.line, e2.column) == (5, 32))
        #expect(e2.message.hasPrefix("expected a value"))

        let block = try lab.write("block.yaml", """
            runs: {h: hello.yaml}
            checks:
              - id: a
                description: d
                expect: >-
                  mean(rounds.ping_replies) > 10 and
                    ping.replies_received > ping.probes_snt / 2
                hint: h
            """)
        let e3 = try #require(loadError(block))
        #expect((e3.line, e3.column) == (7, 38))
        #expect(e3.message.contains("unknown key 'probes_snt' in ping"))
    }

    @Test func tooDeepAnExpressionIsALocatedError() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        let deep = String(repeating: "(", count: 5000) + "ping.reply_ratio" + String(repeating: ")", count: 5000) + " > 0"
        let path = try lab.write("deep.yaml", """
            runs: {h: hello.yaml}
            checks:
              - id: a
                description: d
                expect: \(deep)
                hint: h
            """)
        let e = try #require(loadError(path))
        // The 201st '(' is the first one too deep: column 13 + 200.
        #expect(e.description.hasPrefix("\(path):5:213: error: checks[0].expect: the expression nests too deeply"))
    }

    /// A mistake inside a filter over rounds cannot be seen before the run (there are no rounds yet);
    /// it is found when the checks are evaluated, and located the same way.
    @Test func mistakesFoundAfterTheRunAreLocatedToo() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        let path = try lab.write("late.yaml", """
            runs: {h: hello.yaml}
            checks:
              - id: a
                description: d
                expect: >-
                  mean(rounds.ping_replies) > 10 and
                    fraction(rounds, ping_replis > 0) > 0.5
                hint: h
            """)
        let loaded = try Lab.load(path: path)
        do {
            _ = try LabRunner.run(loaded)
            Issue.record("the misspelt key was not reported")
        } catch {
            #expect((error.file, error.line, error.column) == (path, 7, 26))
            #expect(error.message.contains("unknown key 'ping_replis' in the elements of rounds"))
        }
    }

    @Test func errorsInTheFileItselfComeFromTheStrictDecoder() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        let unknownKey = try lab.write("k.yaml", "runs: {h: hello.yaml}\nchecks:\n  - id: a\n    description: d\n    expect: seed > 0\n    hint: h\n    hnit: x\n")
        #expect(loadError(unknownKey)?.description == "\(unknownKey):7:5: error: checks[0].hnit: unknown key 'hnit'; expected one of: id, description, expect, hint, run, points; did you mean 'hint'?")

        let missing = try lab.write("m.yaml", "runs: {h: hello.yaml}\nchecks:\n  - id: a\n    description: d\n    expect: seed > 0\n")
        let e = try #require(loadError(missing))
        #expect((e.line, e.column, e.keyPath) == (3, 5, "checks[0]"))
        #expect(e.message.contains("hint"))

        let duplicate = try lab.write("d.yaml", """
            runs: {h: hello.yaml}
            checks:
              - {id: a, description: d, expect: seed > 0, hint: h}
              - {id: a, description: d, expect: seed > 1, hint: h}
            """)
        let d = try #require(loadError(duplicate))
        #expect((d.line, d.keyPath) == (4, "checks[1].id"))
        #expect(d.message == "check id 'a' is already used by checks[0]")

        let badRun = try lab.write("r.yaml", "runs: {h: hello.yaml}\nchecks:\n  - {id: a, description: d, expect: seed > 0, hint: h, run: g}\n")
        let r = try #require(loadError(badRun))
        #expect(r.keyPath == "checks[0].run" && r.line == 3)
        #expect(r.message == "no run named 'g'; runs: h")

        let noFile = try lab.write("f.yaml", "runs: {h: nothere.yaml}\nchecks:\n  - {id: a, description: d, expect: seed > 0, hint: h}\n")
        let f = try #require(loadError(noFile))
        #expect((f.line, f.column, f.keyPath) == (1, 11, "runs.h"))
        #expect(f.message.hasPrefix("no scenario file"))
    }

    @Test func aBadOverrideIsReportedWhereItIsWritten() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        let path = try lab.write("o.yaml", """
            runs:
              h: {file: hello.yaml, set: ["hosts.1.count=4", "hosts.1.count=lots"]}
            checks:
              - {id: a, description: d, expect: seed > 0, hint: h}
            """)
        let e = try #require(loadError(path))
        #expect(e.file == path)
        #expect((e.line, e.column, e.keyPath) == (2, 50, "runs.h.set[1]"))
        #expect(e.message.contains("hosts[1].count: expected an integer, found 'lots'"))
    }

    @Test func runNamesMustNotHideReportKeys() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        let path = try lab.write("n.yaml", """
            runs:
              rounds: hello.yaml
            checks:
              - {id: a, description: d, expect: rounds.seed > 0, hint: h}
            """)
        let e = try #require(loadError(path))
        #expect((e.line, e.keyPath) == (2, "runs.rounds"))
        #expect(e.message.contains("is a key of the report"))
        let word = try lab.write("w.yaml", "runs:\n  mean: hello.yaml\nchecks:\n  - {id: a, description: d, expect: seed > 0, hint: h}\n")
        #expect(loadError(word)?.message.contains("is a word of the check language") == true)
    }

    @Test func extendsReplacesRunsAndOnlyKeepsChecks() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        _ = try lab.write("checks.yaml", """
            title: base
            runs:
              h: hello.yaml
              other: hello.yaml
            checks:
              - {id: a, description: d, expect: seed > 0, hint: h, run: h}
              - {id: b, description: d, expect: other.seed > 0, hint: h}
            """)
        _ = try lab.write("broken/checks.yaml", """
            extends: ../checks.yaml
            runs:
              h: {file: ../hello.yaml, set: ["seed=99"]}
            only: [a]
            """)
        let loaded = try Lab.load(path: lab.dir.appendingPathComponent("broken").path)
        #expect(loaded.title == "base")
        #expect(loaded.checks.map(\.id) == ["a"])
        // Only the run the kept check reads is loaded, with the child's overrides.
        #expect(loaded.runs.map(\.name) == ["h"])
        #expect(loaded.runs.first?.overrides == ["seed=99"])
        #expect(loaded.runs.first?.loaded.spec.seed == 99)

        let typo = try lab.write("typo/checks.yaml", "extends: ../checks.yaml\nonly: [a, bb]\n")
        let e = try #require(loadError(typo))
        #expect((e.line, e.column, e.keyPath) == (2, 11, "only[1]"))
        #expect(e.message.hasPrefix("no check with id 'bb'; checks: a, b"))

        let cycle = try lab.write("cycle/checks.yaml", "extends: checks.yaml\n")
        #expect(loadError(cycle)?.message.contains("a cycle") == true)
    }

    /// With several runs, a bare path in a check without `run:` gets the documented advice at load time,
    /// even when the check names no run at all (the message used to list no runs: "a run's name ()").
    @Test func aBarePathOverSeveralRunsAsksForARun() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        func file(_ expect: String) throws -> String {
            try lab.write("c\(UUID().uuidString).yaml", """
                runs:
                  one: hello.yaml
                  two: {file: hello.yaml, seed: 3}
                checks:
                  - id: a
                    description: d
                    expect: \(expect)
                    hint: h
                """)
        }
        let bare = try file("ping.reply_ratio > 0.5")
        let e1 = try #require(loadError(bare))
        #expect(e1.description == "\(bare):7:13: error: checks[0].expect: this check compares runs (one, two); write which run's 'ping' (e.g. one.ping), or give the check a 'run:'")
        // Also when another part of the check names a run.
        let mixed = try file("one.seed > 0 and ping.reply_ratio > 0.5")
        let e2 = try #require(loadError(mixed))
        #expect((e2.line, e2.column) == (7, 30))
        #expect(e2.message.hasPrefix("this check compares runs (one, two)"))
        // A name that is neither a run nor a report key is unknown, with a suggestion.
        let typo = try #require(loadError(try file("pnig.reply_ratio > 0.5")))
        #expect(typo.message.hasPrefix("unknown name 'pnig'"))
        #expect(typo.message.contains("a run's name (one, two)") && typo.message.contains("did you mean 'one.ping'?"))
        // Paths that start with a run's name load.
        #expect(loadError(try file("one.ping.reply_ratio >= two.ping.reply_ratio * 0")) == nil)
    }

    /// A run's own `seed:` wins over the lab's top-level `seed:`, which is only the default of the other
    /// runs; `--seed` overrides both (it used to be `--seed`, then the lab's, then the run's: a run's own
    /// seed was ignored whenever the lab had one).
    @Test func aRunsOwnSeedBeatsTheLabsAndSeedOverridesBoth() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        _ = try lab.write("checks.yaml", """
            seed: 5
            runs:
              pinned: {file: hello.yaml, seed: 9}
              plain: hello.yaml
            checks:
              - {id: s, description: d, expect: pinned.seed == 9 and plain.seed == 5, hint: h}
            """)
        let loaded = try Lab.load(path: lab.dir.path)
        #expect(loaded.runs.map { $0.seed(in: loaded) } == [9, 5])
        #expect(loaded.runs.map { $0.seed(in: loaded, override: 3) } == [3, 3])
        let report = try LabRunner.run(loaded, threads: 2)
        #expect(report.runs.map(\.name) == ["pinned", "plain"])
        #expect(report.runs.map(\.seed) == [9, 5])
        #expect(report.passed)
        let overridden = try LabRunner.run(loaded, seed: 3, threads: 2)
        #expect(overridden.runs.map(\.seed) == [3, 3])
        #expect(!overridden.passed)

        // Without a top-level seed, a run with none uses its scenario's own (hello.yaml: 7).
        _ = try lab.write("no-default/checks.yaml", """
            runs:
              pinned: {file: ../hello.yaml, seed: 9}
              plain: ../hello.yaml
            checks:
              - {id: s, description: d, expect: pinned.seed == 9 and plain.seed == 7, hint: h}
            """)
        let noDefault = try Lab.load(path: lab.dir.appendingPathComponent("no-default").path)
        #expect(noDefault.runs.map { $0.seed(in: noDefault) } == [9, nil])
    }

    /// End to end over the hello scenario (the server is down from 60 s to 90 s): one check holds, one does not.
    @Test func runnerEvaluatesChecksOverARun() throws {
        let lab = try TempLab()
        defer { lab.remove() }
        _ = try lab.write("checks.yaml", """
            title: hello checks
            runs: {h: hello.yaml}
            checks:
              - id: silence-while-down
                description: No ping is answered in the round after the crash.
                expect: at(rounds, 70s).ping_replies == 0
                hint: the server is down
              - id: most-answered
                description: At least 90 % of probes are answered.
                expect: ping.reply_ratio >= 90%
                hint: The server was down for 30 s of 120.
                points: 2
              - id: scaled
                description: A scaled left side shows the report's value.
                expect: 2 * ping.reply_ratio >= 0
                hint: h
            """)
        let loaded = try Lab.load(path: lab.dir.path)
        let report = try LabRunner.run(loaded, threads: 2)
        #expect(report.results.map(\.id) == ["silence-while-down", "most-answered", "scaled"])
        #expect(report.results.map(\.passed) == [true, false, true])
        #expect(!report.passed)
        #expect(report.points == 2 && report.maxPoints == 4)
        let failed = report.results[1]
        #expect(failed.expected == ">= 0.9")
        guard case .number(let ratio)? = failed.measured else { Issue.record("no measured ratio"); return }
        #expect(ratio < 0.9 && ratio > 0.5)
        #expect(failed.reason == "ping.reply_ratio is \(CheckValue.format(ratio)), not >= 0.9")

        let text = report.text(labName: "hello")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "lab hello: hello checks")
        #expect(lines.contains { $0.hasPrefix("PASS  silence-while-down  measured 0  expected == 0") })
        #expect(lines.contains { $0.hasPrefix("FAIL  most-answered       measured \(CheckValue.format(ratio))  expected >= 0.9  — ping.reply_ratio is") })
        #expect(lines.contains("      hint: The server was down for 30 s of 120."))
        let r = CheckValue.format(ratio), twice = CheckValue.format(2 * ratio)
        #expect(lines.contains("PASS  scaled              measured \(twice) = 2 * \(r) (2 * ping.reply_ratio)  expected >= 0"), "\(text)")
        #expect(lines.last == "2/3 checks passed (2/4 points)")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json(labName: "hello").utf8)) as? [String: Any])
        #expect(json["passed"] as? Bool == false)
        #expect(json["checks_passed"] as? Int == 2 && json["checks_total"] as? Int == 3)
        let checks = try #require(json["checks"] as? [[String: Any]])
        #expect(checks.map { $0["id"] as? String } == ["silence-while-down", "most-answered", "scaled"])
        #expect(checks[1]["reason"] as? String == failed.reason)
        #expect((checks[1]["measured"] as? NSNumber)?.doubleValue == ratio)
        #expect(checks[1]["measured_text"] as? String == CheckValue.format(ratio))
        // `measured` keeps the value compared; `measured_text` adds the report's values behind it.
        #expect((checks[2]["measured"] as? NSNumber)?.doubleValue == 2 * ratio)
        #expect(checks[2]["measured_text"] as? String == "\(twice) = 2 * \(r) (2 * ping.reply_ratio)")
        #expect(checks[0]["reason"] is NSNull)
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.first?["fingerprint"] as? String == report.reports["h"]?.fingerprint)

        // The same lab and seed give the same results whatever the thread count.
        let again = try LabRunner.run(loaded, threads: 1)
        #expect(again.results == report.results)
    }
}
