import ArgumentParser
import Foundation
import Scenario
import SimKernel

/// `inetlab sweep`: one scenario run for each value of a parameter, with distribution times against the
/// textbook bounds as a table and a terminal chart.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario for several values of a parameter and chart distribution times against the bounds.",
        discussion: """
        Each --vary gives a key and a comma-separated list of values; several --vary options change \
        together (the first values in one run, the second in the next, …), so one sweep can grow the swarm \
        and the client–server baseline side by side. For every run it prints the swarm's distribution time \
        and its P2P lower bound, the client–server baseline's time and its bound, and then a chart with one \
        line per run on a common time axis.

        Example:
          inetlab sweep labs/01-client-server-vs-p2p/scale.yaml \\
            --vary hosts.2.count=10,20,50,100 --vary hosts.4.count=10,20,50,100 --set duration=3000s
        """)

    @Argument(help: "The scenario file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var scenario: String

    @Option(help: ArgumentHelp("A key and the values it takes, e.g. hosts.2.count=10,50,100 (repeatable; varied together).",
                               valueName: "key.path=v1,v2,…"))
    var vary: [String] = []

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value in every run (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: "The random seed (default: the scenario's).")
    var seed: UInt64?

    @Option(help: "Worker threads per run. Any value gives the same runs.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output format: text (table and chart) or csv (the table).")
    var format: SweepFormat = .text

    enum SweepFormat: String, ExpressibleByArgument, CaseIterable { case text, csv }

    /// The parsed `--vary` options: each key with its values.
    func axes() throws -> [(key: String, values: [String])] {
        let parsed = try vary.map { v -> (key: String, values: [String]) in
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                throw ValidationError("--vary \(v): expected KEY=V1,V2,… (e.g. hosts.2.count=10,50,100)")
            }
            let values = v[v.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard !values.contains(where: \.isEmpty) else {
                throw ValidationError("--vary \(v): every value must be given: one or more values separated by single commas (e.g. hosts.2.count=10,50,100)")
            }
            return (String(v[..<eq]), values)
        }
        guard let first = parsed.first else { throw ValidationError("give at least one --vary KEY=V1,V2,…") }
        if let other = parsed.first(where: { $0.values.count != first.values.count }) {
            throw ValidationError("--vary \(other.key) has \(other.values.count) values but \(first.key) has \(first.values.count); options varied together need as many values")
        }
        return parsed
    }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        _ = try axes()
    }

    func run() throws {
        let axes = try axes()
        // Load every variant first: a bad value is reported before any long run starts.
        let variants = try axes[0].values.indices.map { i in
            try loadOrExit(scenario, overrides: overrides + axes.map { "\($0.key)=\($0.values[i])" })
        }
        guard variants.allSatisfy({ !$0.spec.swarms.isEmpty }) else {
            let message = "\(scenario): error: no swarm to sweep: a sweep charts distribution times against the textbook bounds, " +
                "so the scenario needs a swarm (and may add file clients); inetlab run reports other scenarios\n"
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode(2)
        }
        let out = StandardOutput()
        var points: [SweepPoint] = []
        for (i, loaded) in variants.enumerated() {
            let run = ScenarioRun(loaded, seed: seed, threads: threads)
            if format == .text, isatty(STDERR_FILENO) == 1 {
                FileHandle.standardError.write(Data("\rrunning \(axes[0].key)=\(axes[0].values[i]) (\(i + 1)/\(variants.count))…\u{1B}[K".utf8))
            }
            run.runToEnd()
            points.append(SweepPoint(label: axes[0].values[i], report: run.report()))
        }
        if format == .text, isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        switch format {
        case .csv: out.write(SweepPoint.csv(points, key: axes[0].key))
        case .text: out.write(SweepPoint.table(points, key: axes[0].key) + "\n" + SweepPoint.chart(points, key: axes[0].key, width: 72))
        }
        out.flush()
    }
}

/// One run of a sweep: the varied value and what the report says about distribution times.
struct SweepPoint {
    var label: String
    var swarm: Double?
    var p2pBound: Double?
    var clientServer: Double?
    var clientServerBound: Double?
    var completed: String

    init(label: String, report: RunReport) {
        self.label = label
        let s = report.swarms.first
        swarm = s?.distributionTimeS
        p2pBound = s.map(\.lowerBoundP2pS)
        clientServer = report.clientServer?.distributionTimeS
        clientServerBound = report.clientServer?.lowerBoundS
        var done: [String] = []
        if let s { done.append("\(s.completed)/\(s.leechers)") }
        if let c = report.clientServer { done.append("\(c.completed)/\(c.clients)") }
        completed = done.joined(separator: " ")
    }

    static func number(_ x: Double?) -> String { x.map { formatSeconds($0) } ?? "-" }
    static func formatSeconds(_ x: Double) -> String { x >= 100 ? String(Int(x.rounded())) : String(format: "%.1f", x) }

    static func table(_ points: [SweepPoint], key: String) -> String {
        let header = [key, "swarm s", "P2P bound", "client-server s", "C-S bound", "done (swarm, c-s)"]
        let rows = points.map { [$0.label, number($0.swarm), number($0.p2pBound), number($0.clientServer), number($0.clientServerBound), $0.completed] }
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, t in c == 0 ? t.padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - t.count) + t }
                .joined(separator: "  ")
        }
        var out = [line(header)] + rows.map(line)
        if points.contains(where: { $0.swarm == nil && $0.p2pBound != nil }) || points.contains(where: { $0.clientServer == nil && $0.clientServerBound != nil }) {
            out.append("- : not everyone finished before the end of the run (raise the duration: --set duration=3000s)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func csv(_ points: [SweepPoint], key: String) -> String {
        func cell(_ x: Double?) -> String { x.map { String($0) } ?? "" }
        return (["\(key),swarm_s,p2p_bound_s,client_server_s,client_server_bound_s"]
            + points.map { "\($0.label),\(cell($0.swarm)),\(cell($0.p2pBound)),\(cell($0.clientServer)),\(cell($0.clientServerBound))" })
            .joined(separator: "\n") + "\n"
    }

    /// One line per run on a common time axis from 0 to the largest value: `P` the swarm's time, `p` its
    /// bound, `C` the client–server time, `c` its bound (a later mark overwrites an earlier one at the same place).
    static func chart(_ points: [SweepPoint], key: String, width: Int) -> String {
        let values = points.flatMap { [$0.swarm, $0.p2pBound, $0.clientServer, $0.clientServerBound].compactMap { $0 } }
        guard let top = values.max(), top > 0 else { return "(nothing to chart: no run reported a distribution time)\n" }
        let labelWidth = max(key.count, points.map(\.label.count).max() ?? 0)
        let plot = max(10, width - labelWidth - 3)
        func column(_ x: Double) -> Int { min(plot - 1, Int((x / top * Double(plot - 1)).rounded())) }
        var out: [String] = []
        out.append("\(key.padding(toLength: labelWidth, withPad: " ", startingAt: 0))  0s" + String(repeating: " ", count: max(1, plot - 2 - formatSeconds(top).count - 1)) + "\(formatSeconds(top))s")
        for p in points {
            var row = [Character](repeating: "·", count: plot)
            for (mark, x) in [("c", p.clientServerBound), ("p", p.p2pBound), ("C", p.clientServer), ("P", p.swarm)] {
                if let x { row[column(x)] = Character(mark) }
            }
            out.append("\(p.label.padding(toLength: labelWidth, withPad: " ", startingAt: 0))  " + String(row))
        }
        out.append("P swarm  p its P2P lower bound  C client-server  c its lower bound   (Kurose & Ross)")
        return out.joined(separator: "\n") + "\n"
    }
}
