import Foundation
import Testing

/// Runs the real `inetlab` binary built beside the tests.
enum CLIError: Error { case notBuilt }

struct CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binary: URL? = {
        var candidates = [Bundle.main.bundleURL.appendingPathComponent("inetlab")]
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().appendingPathComponent("inetlab")) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("inetlab"))
        candidates.append(root.appendingPathComponent(".build/debug/inetlab"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String]) throws -> Result {
        let p = Process()
        guard let binary else { throw CLIError.notBuilt }
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting so a large output cannot fill the pipe and block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

let hello = "labs/00-hello/hello.yaml"

@Suite(.serialized) struct CLITests {
    @Test func runPrintsRoundsAndAReport() throws {
        let r = try CLI.run(["run", hello, "--seed", "7"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.filter { $0.range(of: #"^ +\d+ +\d+s "#, options: .regularExpression) != nil }.count == 12)
        #expect(r.stdout.contains("fingerprint  "))
        // Not a terminal: no progress line, nothing on stderr.
        #expect(r.stderr.isEmpty)
    }

    @Test func jsonIsIdenticalForAnyThreadCount() throws {
        let one = try CLI.run(["run", hello, "--format", "json", "--threads", "1"])
        let two = try CLI.run(["run", hello, "--format", "json", "--threads", "2"])
        let four = try CLI.run(["run", hello, "--format", "json", "--threads", "4"])
        #expect(one.status == 0)
        #expect(one.stdout == two.stdout && one.stdout == four.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any]
        #expect((json?["fingerprint"] as? String)?.count == 16)
        #expect(json?["seed"] as? Int == 7)
        #expect((json?["rounds"] as? [Any])?.count == 12)
    }

    @Test func seedOptionChangesTheFingerprint() throws {
        let a = try CLI.run(["run", hello, "--format", "json", "--seed", "1"])
        let b = try CLI.run(["run", hello, "--format", "json", "--seed", "2"])
        func fp(_ s: String) -> String? { (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?["fingerprint"] as? String }
        #expect(fp(a.stdout) != nil && fp(a.stdout) != fp(b.stdout))
    }

    @Test func csvHasAHeaderAndOneRowPerRound() throws {
        let r = try CLI.run(["run", hello, "--format", "csv"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("round,time_s,events,") == true)
        #expect(lines.count == 13)
        #expect(lines[6].hasSuffix(",crash server"))  // round 6 ends at 60 s, the crash's time
    }

    @Test func setOverridesAValue() throws {
        let r = try CLI.run(["run", hello, "--set", "hosts.1.count=10", "--format", "json"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"total\" : 14") || r.stdout.contains("\"total\":14"))
    }

    @Test func badOverrideExitsTwoNamingIt() throws {
        let r = try CLI.run(["run", hello, "--set", "hosts.1.count=many"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("--set hosts.1.count=many:"))
        #expect(r.stdout.isEmpty)
    }

    @Test func validateAcceptsAndRejects() throws {
        let ok = try CLI.run(["validate", hello])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("ok"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml")
        try "name: x\nduration: 10s\nregions: [{name: eu}]\nhosts:\n  - group: a\n    up: 1Mbps\n    down: 1Mbps\n    nat: symetric\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["validate", bad.path])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("\(bad.path):8:10: error: hosts[0].nat:"))
        #expect(r.stderr.contains("did you mean 'symmetric'"))
        // `run` reports the same error the same way.
        let run = try CLI.run(["run", bad.path])
        #expect(run.status == 2 && run.stderr == r.stderr)
    }

    @Test func eventsAreExportedAsJSONLines() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-events-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CLI.run(["run", hello, "--events", file.path, "--format", "csv"])
        #expect(r.status == 0)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 10)
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(obj?["kind"] is String && obj?["time_ns"] is Int)
        }
        #expect(lines.contains { $0.contains("\"inject.crash\"") && $0.contains("\"server\"") })
        // Canonical order: non-decreasing time.
        let times = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["time_ns"] as? Int }
        #expect(times == times.sorted())
    }

    /// The file holds every entry the report counts, the joins at time zero included, whatever the log's
    /// capacity (the sink used to be attached after the joins were logged).
    @Test(arguments: [[], ["--set", "options={log-capacity: 5}"]])
    func eventsFileHoldsEveryRecordedEntry(extra: [String]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-events-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CLI.run(["run", hello, "--events", file.path, "--format", "json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let log = try #require(json["log"] as? [String: Any])
        let recorded = try #require(log["recorded"] as? Int)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == recorded)
        let joins = lines.filter { $0.contains("\"kind\":\"host.join\"") }
        #expect(joins.count == 8, "hello has 8 hosts joining at time zero")
        #expect(joins.allSatisfy { $0.contains("\"time_ns\":0,") })
    }

    /// Every example in the help texts that picks checks with --only names checks that exist in that lab
    /// (`help check` used to suggest 'rarest-beats-random', which no lab has).
    @Test func helpExamplesNameExistingChecks() throws {
        var examples = 0
        for command in ["check", "run", "sweep", "validate", "labs", "open"] {
            let help = try CLI.run(["help", command])
            for line in help.stdout.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                guard words.first == "inetlab", words.count > 2, words[1] == "check", words.contains("--only") else { continue }
                let check = 1
                let checksFile = CLI.root.appendingPathComponent(words[check + 1]).appendingPathComponent("checks.yaml")
                let text = try String(contentsOf: checksFile, encoding: .utf8)
                for (i, w) in words.enumerated() where w == "--only" && i + 1 < words.count {
                    examples += 1
                    #expect(text.contains("- id: \(words[i + 1])\n"), "`\(line.trimmingCharacters(in: .whitespaces))`: no check '\(words[i + 1])'")
                }
            }
        }
        #expect(examples >= 1)
    }

    /// `torrent create` then `torrent show`: the same info-hash both ways; a directory as the output, an empty
    /// announce URL and an existing file without --force are refused with a plain message.
    @Test func torrentCreateAndShowAgreeAndBadOutputsAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("torrent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("data.bin")
        try Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: input)
        let out = dir.appendingPathComponent("data.torrent").path
        let made = try CLI.run(["torrent", "create", input.path, "--piece-length", "32KiB", "-a", "http://t:6969/announce", "-o", out])
        #expect(made.status == 0, "\(made.stderr)")
        let hash = try #require(made.stdout.split(separator: "\n").first { $0.hasPrefix("info_hash: ") })
        let shown = try CLI.run(["torrent", "show", out])
        #expect(shown.status == 0 && shown.stdout.contains(hash) && shown.stdout.contains("piece count: 4"), "\(shown.stdout)")

        let again = try CLI.run(["torrent", "create", input.path, "-o", out])
        #expect(again.status != 0 && again.stderr.contains("already exists (use --force to overwrite)"))
        let intoDir = try CLI.run(["torrent", "create", input.path, "-o", dir.path, "--force"])
        #expect(intoDir.status != 0 && intoDir.stderr.contains("is a directory"), "\(intoDir.stderr)")
        let empty = try CLI.run(["torrent", "create", input.path, "-a", "", "-o", dir.appendingPathComponent("e.torrent").path])
        #expect(empty.status != 0 && empty.stderr.contains("give a tracker URL"), "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("e.torrent").path))
    }

    /// `--version` prints a version number and exits 0 (there was none).
    @Test func versionIsPrinted() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3, "\(r.stdout)")
    }

    /// A word that is no subcommand says so (it used to print the dashboard's usage).
    @Test func unknownSubcommandIsNamed() throws {
        let r = try CLI.run(["nonsense"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("error: unknown subcommand 'nonsense'; subcommands: dashboard, open, run, sweep, validate, check, labs, torrent"))
        #expect(!r.stderr.contains("Usage: inetlab dashboard"))
        #expect(try CLI.run(["chek"]).stderr.contains("did you mean 'check'?"))
        #expect(try CLI.run(["x.yaml"]).stderr.contains("to open a scenario or a lab: inetlab open x.yaml"))
    }

    /// One long round: singular nouns, and wide values still leave a space between columns
    /// (`36633/858` used to run conn-fail and ping together).
    @Test func textOutputWithOneLongRound() throws {
        let r = try CLI.run(["run", hello, "--set", "round=120s"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("inetlab: hello, seed 7, 8 hosts, 1 round of 2m\n"))
        #expect(r.stdout.contains("virtual time 2m in 1 round of 120s;"))
        let header = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("round ") })
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("    1 ") })
        let columns = header.split(separator: " ").map(String.init)
        let values = row.split(separator: " ").map(String.init)
        let conn = try #require(columns.firstIndex(of: "conn-fail"))
        // bytes-sent is two words ("117.8 KiB"), so values are one further right than their header.
        #expect(Int(values[conn + 1]) != nil, "\(row)")
        #expect(values[conn + 2].range(of: #"^\d+/\d+$"#, options: .regularExpression) != nil, "\(row)")
    }

    @Test func helpComesFromArgumentParser() throws {
        let r = try CLI.run(["help", "run"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--threads"))
        #expect(r.stdout.contains("--set"))
        let completion = try CLI.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("inetlab"))
    }
}
