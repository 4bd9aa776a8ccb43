import ArgumentParser
import Foundation
import Scenario
import SimKernel

/// Output formats of `inetlab run`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv
}

/// Loads a scenario or exits with status 2 after printing the located error.
func loadOrExit(_ path: String, overrides: [String]) throws -> LoadedScenario {
    do {
        return try ScenarioLoader.load(path: path, overrides: overrides)
    } catch {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw ExitCode(2)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario headless and print a per-round summary and a final report.",
        discussion: """
        The same scenario and seed always give the same run: the report's fingerprint is a hash over every \
        delivered event, whatever --threads is. On a terminal, progress is shown on stderr.

        Examples:
          inetlab run labs/00-hello/hello.yaml --seed 7
          inetlab run labs/00-hello/hello.yaml --format json > report.json
          inetlab run labs/00-hello/hello.yaml --set hosts.1.count=100 --format csv
        """)

    @Argument(help: "The scenario file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var scenario: String

    @Option(help: "The random seed (default: the scenario's).")
    var seed: UInt64?

    @Option(help: "Worker threads (default: the number of cores; more are not used). Any value gives the same run.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output format: text (rounds as they finish, then a summary), json (one document), csv (one row per round).")
    var format: OutputFormat = .text

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a scenario value, e.g. --set hosts.0.count=100 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("Write every event-log entry to this file as JSON Lines.", valueName: "file.jsonl"), completion: .file())
    var events: String?

    @Flag(help: "Never show the progress line.")
    var noProgress = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let loaded = try loadOrExit(scenario, overrides: overrides)
        var eventFile: EventFileWriter?
        if let events {
            guard let writer = EventFileWriter(path: events) else {
                FileHandle.standardError.write(Data("error: cannot write the event log to '\(events)'\n".utf8))
                throw ExitCode(1)
            }
            eventFile = writer
        }
        // The sink is attached while the run is built, so the file also gets the entries of time zero (joins).
        let run = ScenarioRun(loaded, seed: seed, threads: threads,
                              logSink: eventFile.map { writer in { entry, names in writer.write(entry.jsonLine(hostNames: names)) } })
        let progress = ProgressLine(enabled: !noProgress && isatty(STDERR_FILENO) == 1, end: run.endTime)
        let out = StandardOutput()
        if format == .text {
            out.write("inetlab: \(loaded.spec.name), seed \(run.seed), \(plural(run.hostNames.count, "host")), \(plural(run.totalRounds, "round")) of \(run.roundLength)\n")
            out.write(RunReport.roundTableHeader(swarm: !loaded.spec.swarms.isEmpty, dht: loaded.spec.usesDHT) + "\n")
        }
        var events: UInt64 = 0
        run.runToEnd(shouldStop: { now in
            progress.update(now: now, events: events)
            return false
        }, progress: { row in
            events += row.events
            if format == .text {
                // The row goes to stdout; if that is the same terminal, lift the progress line out of its way.
                progress.clear()
                out.write(RunReport.roundLine(row) + "\n")
                out.flush()
            }
            progress.update(now: run.simulation.now, events: events)
        })
        progress.clear()
        eventFile?.close()
        let report = run.report()
        switch format {
        case .text: out.write("\n" + report.text())
        case .json: out.write(report.json())
        case .csv: out.write(report.csv())
        }
        out.flush()
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check scenario files without running them.",
        discussion: "Exits 0 if every file is valid; otherwise prints FILE:LINE:COLUMN: error: … for each invalid file and exits 2.")

    @Argument(help: "Scenario files (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var files: [String]

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value before checking (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    func run() throws {
        var failed = false
        for file in files {
            do {
                let s = try ScenarioLoader.load(path: file, overrides: overrides)
                let hosts = s.spec.hosts.reduce(0) { $0 + $1.count }
                print("\(file): ok (\(s.spec.name): \(hosts) hosts in \(s.spec.hosts.count) groups, \(s.spec.timeline.count) injections, ends at \(s.spec.endTime))")
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
    }
}

/// Buffered standard output (one write per line is slow for long CSVs).
final class StandardOutput {
    private var buffer = ""
    func write(_ s: String) {
        buffer += s
        if buffer.utf8.count > 1 << 16 { flush() }
    }
    func flush() {
        FileHandle.standardOutput.write(Data(buffer.utf8))
        buffer = ""
    }
}

/// Writes JSON Lines to a file, buffered.
final class EventFileWriter {
    private let handle: FileHandle
    private var buffer = ""
    init?(path: String) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else { return nil }
        handle = h
    }
    func write(_ line: String) {
        buffer += line
        buffer += "\n"
        if buffer.utf8.count > 1 << 16 { handle.write(Data(buffer.utf8)); buffer = "" }
    }
    func close() {
        handle.write(Data(buffer.utf8))
        buffer = ""
        try? handle.close()
    }
}

/// The progress line on stderr: virtual time reached, % of the run, events per second of wall time.
/// Shown only on a terminal, at most ten times a second.
final class ProgressLine {
    let enabled: Bool
    let end: SimTime
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    private var shown = false

    init(enabled: Bool, end: SimTime) {
        self.enabled = enabled; self.end = end
        started = clock.now; last = started
    }

    func update(now: SimTime, events: UInt64) {
        guard enabled else { return }
        let t = clock.now
        guard t - last > .milliseconds(100) else { return }
        guard t - started > .milliseconds(300) else { return }
        last = t
        let wall = Double((t - started).components.seconds) + Double((t - started).components.attoseconds) / 1e18
        let pct = end.nanoseconds > 0 ? Int(100 * Double(now.nanoseconds) / Double(end.nanoseconds)) : 100
        let rate = wall > 0 ? Double(events) / wall : 0
        let shownTime = SimTime(nanoseconds: now.nanoseconds / 100_000_000 * 100_000_000)  // to 0.1 s
        let text = "\r\u{1B}[2K[\(pct)%] virtual \(shownTime) of \(end)  \(formatRate(rate)) events/s"
        FileHandle.standardError.write(Data(text.utf8))
        shown = true
    }

    func clear() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        shown = false
    }

    private func formatRate(_ r: Double) -> String {
        if r >= 1e6 { return String(format: "%.1fM", r / 1e6) }
        if r >= 1e3 { return String(format: "%.1fk", r / 1e3) }
        return String(format: "%.0f", r)
    }
}
