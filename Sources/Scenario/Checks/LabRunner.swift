import Dispatch
import Foundation
import SimKernel
import Synchronization

/// The outcome of one check.
public struct CheckResult: Sendable, Hashable {
    public var id: String
    public var description: String
    public var hint: String
    public var points: Double
    /// The expression as written.
    public var expression: String
    public var passed: Bool
    /// What was measured (nil when it could not be computed, e.g. a null value).
    public var measured: CheckValue?
    /// What it was compared with, e.g. `<= 74.88 (1.3 * swarms[0].lower_bound_p2p_s)`.
    public var expected: String
    /// Why the check failed (nil when it passed).
    public var reason: String?
    /// The measured value for people, in the report's terms (see `CheckOutcome.measuredText`), e.g.
    /// `286.203 = 95.401 * 3 (swarms[0].distribution_time_s * 3)`; nil when nothing was measured.
    public var measuredText: String?
}

/// What one run of a lab did.
public struct LabRunSummary: Sendable, Hashable {
    public var name: String
    public var scenario: String
    public var overrides: [String]
    public var seed: UInt64
    public var fingerprint: String
    /// Virtual time reached, seconds.
    public var virtualTimeS: Double
}

/// A lab's checks evaluated over its runs.
public struct LabReport: Sendable {
    public var lab: Lab
    public var runs: [LabRunSummary]
    public var results: [CheckResult]
    /// Each run's report, by run name.
    public var reports: [String: RunReport]

    public var passed: Bool { results.allSatisfy(\.passed) }
    public var points: Double { results.filter(\.passed).reduce(0) { $0 + $1.points } }
    public var maxPoints: Double { results.reduce(0) { $0 + $1.points } }
}

/// Runs a lab's scenarios and evaluates its checks.
public enum LabRunner {
    /// Runs every run the checks read (concurrently, at most `threads` at a time) and evaluates the checks.
    ///
    /// - Parameters:
    ///   - seed: the seed of every run, overriding the runs' own `seed:` and the lab's (see `LabRun.seed(in:override:)`).
    ///   - threads: worker threads in all; the reports do not depend on it.
    ///   - progress: called (from worker threads) as runs start and finish, with a line for people.
    /// - Throws: `ScenarioError` for a malformed lab (an authoring mistake found only once the runs ended).
    public static func run(
        _ lab: Lab, seed: UInt64? = nil, threads: Int = 1, progress: (@Sendable (String) -> Void)? = nil
    ) throws(ScenarioError) -> LabReport {
        let runs = lab.usedRuns
        let jobs = max(1, min(threads, runs.count))
        let engineThreads = max(1, threads / max(1, runs.count))
        let results = Mutex<[RunReport?]>(Array(repeating: nil, count: runs.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < runs.count else { return }
                let run = runs[i]
                let runSeed = run.seed(in: lab, override: seed)
                progress?("run \(run.name): \(run.loaded.spec.name) from \(run.scenario)\(run.overrides.map { " --set \($0)" }.joined())")
                let clock = ContinuousClock()
                let started = clock.now
                let report = withLargeStack {
                    let r = ScenarioRun(run.loaded, seed: runSeed, threads: engineThreads)
                    r.runToEnd()
                    return r.report()
                }
                let wall = clock.now - started
                let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
                progress?("run \(run.name): done, \(report.eventsDelivered) events in \(CheckValue.format((seconds * 10).rounded() / 10)) s")
                results.withLock { $0[i] = report }
            }
        }
        var reports: [String: RunReport] = [:]
        let finished = results.withLock { $0 }
        for (i, run) in runs.enumerated() {
            if let r = finished[i] { reports[run.name] = r }
        }
        return try evaluate(lab, reports: reports)
    }

    /// Evaluates a lab's checks over reports already made (one per run the checks read, by run name).
    public static func evaluate(_ lab: Lab, reports: [String: RunReport]) throws(ScenarioError) -> LabReport {
        var trees: [String: CheckValue] = [:]
        for (name, report) in reports {
            // Encoding plain structs of numbers and strings cannot fail.
            trees[name] = (try? CheckValue(encoding: report)) ?? .null
        }
        try checkRunNames(lab, trees: trees)
        var results: [CheckResult] = []
        for check in lab.checks {
            let evaluator = CheckEvaluator(runs: trees, defaultRun: check.run)
            let outcome: CheckOutcome
            do {
                outcome = try evaluator.evaluate(check.expression)
            } catch {
                throw check.error(error.message, offset: error.offset)
            }
            results.append(CheckResult(
                id: check.id, description: check.description, hint: check.hint, points: check.points,
                expression: check.expression.source, passed: outcome.passed, measured: outcome.measured,
                expected: outcome.expected, reason: outcome.reason, measuredText: outcome.measuredText))
        }
        let summaries = lab.runs.compactMap { run -> LabRunSummary? in
            guard let r = reports[run.name] else { return nil }
            return LabRunSummary(name: run.name, scenario: run.scenario, overrides: run.overrides, seed: r.seed,
                                 fingerprint: r.fingerprint, virtualTimeS: r.virtualTimeS)
        }
        return LabReport(lab: lab, runs: summaries, results: results, reports: reports)
    }

    /// A run named like a report key would hide that key in every path: refuse it.
    static func checkRunNames(_ lab: Lab, trees: [String: CheckValue]) throws(ScenarioError) {
        for run in lab.runs {
            for tree in trees.values {
                if case .object(let o) = tree, o.values[run.name] != nil {
                    let at = run.declaredAt
                    throw ScenarioError(file: at.file, line: at.line, column: at.column, keyPath: "runs.\(run.name)",
                                        message: "'\(run.name)' is a key of the report; name the run differently so paths can tell them apart")
                }
            }
        }
    }
}

// MARK: - Output

extension LabReport {
    /// One line per check: `PASS`/`FAIL`, the id, measured and expected values, and for a failure why (then the hint).
    public func text(labName: String? = nil) -> String {
        var out: [String] = []
        let name = labName ?? (lab.directory as NSString).lastPathComponent
        out.append("lab \(name)\(lab.title.map { ": \($0)" } ?? "")")
        for r in runs {
            let sets = r.overrides.map { " --set \($0)" }.joined()
            out.append("  run \(r.name): \(r.scenario)\(sets), seed \(r.seed), fingerprint \(r.fingerprint)")
        }
        let width = min(34, results.map(\.id.count).max() ?? 0)
        for r in results {
            let id = r.id.padding(toLength: max(width, r.id.count), withPad: " ", startingAt: 0)
            let measured = r.measuredText ?? r.measured.map(CheckOutcome.plainText) ?? "-"
            var line = "\(r.passed ? "PASS" : "FAIL")  \(id)  measured \(measured)"
            if !r.expected.isEmpty { line += "  expected \(r.expected)" }
            if !r.passed, let why = r.reason { line += "  — \(why)" }
            out.append(line)
            if !r.passed { out.append("      hint: \(r.hint.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces))") }
        }
        let passedCount = results.filter(\.passed).count
        var summary = "\(passedCount)/\(results.count) checks passed"
        if maxPoints != Double(results.count) { summary += " (\(CheckValue.format(points))/\(CheckValue.format(maxPoints)) points)" }
        out.append(summary)
        return out.joined(separator: "\n") + "\n"
    }

    /// The results as one JSON document for graders (keys sorted; described in `docs/lab-authoring.md`).
    public func json(labName: String? = nil) -> String {
        func value(_ v: CheckValue?) -> Any {
            switch v {
            case nil, .null?: return NSNull()
            case .bool(let b)?: return b
            case .number(let x)?: return x.isFinite ? x : NSNull()
            case .string(let s)?: return s
            case .list(let l)?: return l.map { value($0) }
            case .object(let o)?: return Dictionary(uniqueKeysWithValues: o.keys.map { ($0, value(o.values[$0])) })
            }
        }
        let doc: [String: Any] = [
            "format": 1,
            "lab": labName ?? (lab.directory as NSString).lastPathComponent,
            "title": lab.title ?? NSNull(),
            "checks_file": lab.file,
            "passed": passed,
            "checks_total": results.count,
            "checks_passed": results.filter(\.passed).count,
            "points": points,
            "max_points": maxPoints,
            "runs": runs.map { r -> [String: Any] in
                ["name": r.name, "scenario": r.scenario, "set": r.overrides, "seed": NSNumber(value: r.seed), "fingerprint": r.fingerprint,
                 "virtual_time_s": r.virtualTimeS]
            },
            "checks": results.map { r -> [String: Any] in
                ["id": r.id, "description": r.description, "hint": r.hint, "points": r.points, "expression": r.expression,
                 "passed": r.passed, "measured": value(r.measured), "measured_text": r.measuredText ?? NSNull(),
                 "expected": r.expected, "reason": r.reason ?? NSNull()]
            },
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "{}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
