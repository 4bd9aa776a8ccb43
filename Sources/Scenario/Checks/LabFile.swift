import Foundation

/// A lab: the scenario runs it needs and the checks over their reports, read from a `checks.yaml`.
///
/// The file format is documented in `docs/lab-authoring.md`. Load one with `Lab.load(path:)`; run it with
/// `LabRunner.run(_:seed:threads:progress:)`.
public struct Lab: Sendable {
    /// The lab's folder (the one holding `checks.yaml`), as given.
    public var directory: String
    /// The checks file.
    public var file: String
    /// One line for `inetlab labs`.
    public var title: String?
    public var description: String?
    /// The default seed of the runs that give none of their own (nil: each scenario's own seed).
    /// `--seed` overrides it, and every run's own seed too.
    public var seed: UInt64?
    /// The runs the checks need, in the order written.
    public var runs: [LabRun]
    public var checks: [LabCheck]

    /// The runs some check reads (runs no check reads are not run).
    public var usedRuns: [LabRun] {
        let used = Set(checks.flatMap { $0.runsRead(among: runs.map(\.name)) })
        return runs.filter { used.contains($0.name) }
    }
}

/// One run of a scenario (with overrides) that checks read by name.
public struct LabRun: Sendable {
    public var name: String
    /// The scenario file, resolved against the checks file's folder.
    public var scenario: String
    /// `--set` overrides applied to it.
    public var overrides: [String]
    /// This run's own seed: it wins over the lab's `seed`, and is overridden by `--seed`.
    public var seed: UInt64?
    /// The scenario, loaded and validated.
    public var loaded: LoadedScenario
    /// Where the run is declared in the checks file.
    var declaredAt: ScenarioSourceMap.Location

    /// The seed this run uses: `override` (`--seed`), else the run's own `seed:`, else the lab's `seed:`,
    /// else nil (the scenario's own seed).
    public func seed(in lab: Lab, override: UInt64? = nil) -> UInt64? { override ?? seed ?? lab.seed }
}

/// One check: an expression that must hold, with the words shown around it.
public struct LabCheck: Sendable {
    public var id: String
    public var description: String
    /// Shown when the check fails: what it means and where to look.
    public var hint: String
    public var points: Double
    /// The run bare paths read (nil: the only run, or none when the check names runs itself).
    public var run: String?
    public var expression: CheckExpression
    /// Where the expression is written, to locate errors in it.
    var place: ExpressionPlace

    /// The runs the check reads: its default run and every run it names.
    func runsRead(among names: [String]) -> [String] {
        var out = expression.headNames.filter { names.contains($0) }
        if let run { out.insert(run) }
        return names.filter { out.contains($0) }
    }

    /// A `ScenarioError` at `offset` into the expression.
    func error(_ message: String, offset: Int) -> ScenarioError { place.error(message, offset: offset) }
}

// MARK: - Loading

extension Lab {
    /// Loads a lab from its folder (reading `checks.yaml` in it) or from a checks file.
    ///
    /// Every problem is a `ScenarioError` naming file:line:column: in the checks file (and the files it
    /// extends), in a scenario, or in a `set:` override (located at the override's place in the checks file).
    public static func load(path: String) throws(ScenarioError) -> Lab {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let directory: String, file: String
        if exists && isDirectory.boolValue {
            directory = path
            file = (path as NSString).appendingPathComponent("checks.yaml")
        } else {
            file = path
            directory = (path as NSString).deletingLastPathComponent
        }
        guard FileManager.default.fileExists(atPath: file) else {
            let what = exists ? "no checks.yaml in '\(path)': a lab folder needs one" : "no such lab folder or checks file"
            throw ScenarioError(file: file, line: 0, column: 0, keyPath: "", message: what)
        }
        var parts = try LabFileParts.read(file: file, chain: [])
        try parts.applyOnly()
        guard !parts.runs.isEmpty else { throw parts.sourceError(at: "runs", "give at least one run: runs: {NAME: SCENARIO.yaml}") }
        guard !parts.checks.isEmpty else { throw parts.sourceError(at: "checks", "give at least one check") }
        let names = parts.runs.map(\.name)
        for check in parts.checks {
            if let r = check.check.run, !names.contains(r) {
                throw check.sourceError(at: "run", "no run named '\(r)'; runs: \(names.joined(separator: ", "))")
            }
        }
        // With a single run, bare paths read it.
        let checks = parts.checks.map { entry -> LabCheck in
            var c = entry.check
            if c.run == nil, names.count == 1 { c.run = names[0] }
            return c
        }
        var lab = Lab(directory: directory, file: file, title: parts.title, description: parts.description, seed: parts.seed,
                      runs: [], checks: checks)
        try lab.checkBarePaths(parts)
        // Load the scenarios the checks read, then check every expression against what their reports look like.
        let used = Set(lab.checks.flatMap { $0.runsRead(among: names) })
        for run in parts.runs where used.contains(run.name) {
            lab.runs.append(try run.load())
        }
        try lab.validateAgainstInitialReports()
        return lab
    }

    /// With several runs, a check without `run:` must start each path with a run's name. The runs it reads
    /// may be none at all (`swarms[0].leechers > 0`), and then there would be no report to validate it
    /// against: evaluate such a check over every run's report at time zero, with no default run, so that the
    /// message is the evaluator's ("this check compares runs (a, b); … give the check a 'run:'", or an
    /// unknown name with a suggestion).
    fileprivate func checkBarePaths(_ parts: LabFileParts) throws(ScenarioError) {
        let names = parts.runs.map(\.name)
        guard names.count > 1 else { return }
        for check in checks where check.run == nil {
            guard let bare = check.expression.firstHead(notIn: Set(names)) else { continue }
            var trees: [String: CheckValue] = [:]
            for entry in parts.runs {
                let run = try entry.load()
                trees[run.name] = (try? CheckValue(encoding: ScenarioRun(run.loaded, seed: run.seed(in: self)).report())) ?? .null
            }
            do {
                _ = try CheckEvaluator(runs: trees, defaultRun: nil).evaluate(check.expression)
            } catch {
                throw check.error(error.message, offset: error.offset)
            }
            // Not reached when the bare name is evaluated; it may sit in a branch that short-circuits.
            throw check.error("this check compares runs (\(names.sorted().joined(separator: ", "))); write which run's '\(bare.name)' "
                              + "(e.g. \(names[0]).\(bare.name)), or give the check a 'run:'", offset: bare.offset)
        }
    }

    /// Evaluates every check over each run's report at time zero (before anything ran), so that unknown
    /// keys and type mistakes are reported before a long run, not after.
    func validateAgainstInitialReports() throws(ScenarioError) {
        var trees: [String: CheckValue] = [:]
        for run in runs {
            let r = ScenarioRun(run.loaded, seed: run.seed(in: self))
            trees[run.name] = (try? CheckValue(encoding: r.report())) ?? .null
        }
        try LabRunner.checkRunNames(self, trees: trees)
        for check in checks {
            let evaluator = CheckEvaluator(runs: trees, defaultRun: check.run)
            do {
                _ = try evaluator.evaluate(check.expression)
            } catch {
                throw check.error(error.message, offset: error.offset)
            }
        }
    }
}


/// The contents of one checks file (merged with the files it extends).
private struct LabFileParts {
    struct RunEntry {
        var name: String
        var spec: RunSpec
        var file: String
        var sourceMap: ScenarioSourceMap
        var keyPath: String

        func load() throws(ScenarioError) -> LabRun {
            let base = (file as NSString).deletingLastPathComponent
            let path = spec.file.hasPrefix("/") ? spec.file : (base.isEmpty ? spec.file : (base as NSString).appendingPathComponent(spec.file))
            guard FileManager.default.fileExists(atPath: path) else {
                throw sourceMap.error(at: keyPath + (spec.short ? "" : ".file"), "no scenario file '\(path)'")
            }
            do {
                let loaded = try ScenarioLoader.load(path: path, overrides: spec.set)
                return LabRun(name: name, scenario: path, overrides: spec.set, seed: spec.seed, loaded: loaded,
                              declaredAt: sourceMap.location(of: keyPath))
            } catch {
                // An error in an override is reported at the override, in the checks file.
                if error.file.hasPrefix("--set "), let i = spec.set.firstIndex(where: { "--set " + $0 == error.file }) {
                    let at = sourceMap.location(of: "\(keyPath).set[\(i)]")
                    let what = error.keyPath.isEmpty ? error.message : "\(error.keyPath): \(error.message)"
                    throw ScenarioError(file: file, line: at.line, column: at.column, keyPath: "\(keyPath).set[\(i)]",
                                        message: "override for \(spec.file) (column \(error.column) of it): \(what)")
                }
                throw error
            }
        }
    }

    struct CheckEntry {
        var check: LabCheck
        var file: String
        var sourceMap: ScenarioSourceMap
        var keyPath: String
        func sourceError(at key: String, _ message: String) -> ScenarioError { sourceMap.error(at: "\(keyPath).\(key)", message) }
    }

    var file: String
    var sourceMap: ScenarioSourceMap
    var title: String?
    var description: String?
    var seed: UInt64?
    var runs: [RunEntry] = []
    var checks: [CheckEntry] = []
    var only: [String]?

    func sourceError(at keyPath: String, _ message: String) -> ScenarioError { sourceMap.error(at: keyPath, message) }

    static func read(file: String, chain: [String]) throws(ScenarioError) -> LabFileParts {
        let text = try ScenarioLoader.readText(file)
        let (spec, map) = try StrictYAMLDecoder().decodeWithSourceMap(LabFileSpec.self, from: text, file: file)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var parts: LabFileParts
        if let parent = spec.extends {
            let base = (file as NSString).deletingLastPathComponent
            let path = parent.hasPrefix("/") ? parent : (base.isEmpty ? parent : (base as NSString).appendingPathComponent(parent))
            let standard = (path as NSString).standardizingPath
            if chain.contains(standard) || standard == (file as NSString).standardizingPath {
                throw map.error(at: "extends", "'\(parent)' extends this file again (a cycle)")
            }
            guard FileManager.default.fileExists(atPath: path) else { throw map.error(at: "extends", "no checks file '\(path)'") }
            parts = try read(file: path, chain: chain + [(file as NSString).standardizingPath])
            parts.file = file
            parts.sourceMap = map
            parts.only = nil
        } else {
            parts = LabFileParts(file: file, sourceMap: map)
            if spec.runs == nil { throw map.error(at: "runs", "give the runs the checks read: runs: {NAME: SCENARIO.yaml}") }
            if spec.checks == nil { throw map.error(at: "checks", "give the checks: a list of {id, description, expect, hint}") }
        }
        if let t = spec.title { parts.title = t }
        if let d = spec.description { parts.description = d }
        if let s = spec.seed { parts.seed = s }
        parts.only = spec.only
        for (name, run) in spec.runs?.entries ?? [] {
            let keyPath = "runs.\(name)"
            guard name.unicodeScalars.first.map(ExprLexer.isIdentifierStart) == true, name.unicodeScalars.allSatisfy(ExprLexer.isIdentifierPart) else {
                throw map.error(at: keyPath, "a run's name is letters, digits and '_' (starting with a letter), found '\(name)'")
            }
            guard CheckFunctions.arities[name] == nil, !CheckFunctions.keywords.contains(name), name != "it", name != "value" else {
                throw map.error(at: keyPath, "'\(name)' is a word of the check language; name the run differently")
            }
            let entry = RunEntry(name: name, spec: run, file: file, sourceMap: map, keyPath: keyPath)
            if let i = parts.runs.firstIndex(where: { $0.name == name }) { parts.runs[i] = entry } else { parts.runs.append(entry) }
        }
        var seen: [String: Int] = [:]
        for (i, c) in (spec.checks ?? []).enumerated() {
            let keyPath = "checks[\(i)]"
            if let first = seen[c.id] {
                throw map.error(at: "\(keyPath).id", "check id '\(c.id)' is already used by checks[\(first)]")
            }
            seen[c.id] = i
            let place = ExpressionPlace(file: file, lines: lines, at: map.location(of: "\(keyPath).expect"), keyPath: "\(keyPath).expect")
            let expression: CheckExpression
            do {
                expression = try CheckExpression(parsing: c.expect)
            } catch {
                throw place.error(error.message, offset: error.offset)
            }
            let check = LabCheck(id: c.id, description: c.description, hint: c.hint, points: c.points, run: c.run,
                                 expression: expression, place: place)
            let entry = CheckEntry(check: check, file: file, sourceMap: map, keyPath: keyPath)
            if let j = parts.checks.firstIndex(where: { $0.check.id == c.id }) { parts.checks[j] = entry } else { parts.checks.append(entry) }
        }
        return parts
    }

    mutating func applyOnly() throws(ScenarioError) {
        guard let only else { return }
        for (i, id) in only.enumerated() where !checks.contains(where: { $0.check.id == id }) {
            var message = "no check with id '\(id)'; checks: \(checks.map(\.check.id).joined(separator: ", "))"
            if let guess = Spelling.suggestion(for: id, among: checks.map(\.check.id)) { message += "; did you mean '\(guess)'?" }
            throw sourceMap.error(at: "only[\(i)]", message)
        }
        checks = only.compactMap { id in checks.first { $0.check.id == id } }
    }
}

// MARK: - The YAML schema

/// `checks.yaml` as written.
struct LabFileSpec: Decodable {
    var title: String?
    var description: String?
    var extends: String?
    var seed: UInt64?
    var runs: RunTable?
    var checks: [CheckSpec]?
    var only: [String]?
}

/// `runs:`: run names to scenario files or `{file, set, seed}`, in the order written.
struct RunTable: Decodable {
    var entries: [(String, RunSpec)] = []

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        for key in c.allKeys { entries.append((key.stringValue, try c.decode(RunSpec.self, forKey: key))) }
        if entries.isEmpty { throw ScenarioValidation("give at least one run: NAME: SCENARIO.yaml") }
    }
}

/// One run: `scenario.yaml`, or `{file: scenario.yaml, set: ["hosts.1.count=50"], seed: 3}`.
struct RunSpec: Decodable {
    var file: String
    var set: [String] = []
    var seed: UInt64?
    /// Written as a bare file name.
    var short = false

    enum CodingKeys: String, CodingKey { case file, set, seed }

    init(from decoder: any Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            file = name
            short = true
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decode(String.self, forKey: .file)
        set = try c.decodeIfPresent([String].self, forKey: .set) ?? []
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
    }
}

/// One entry of `checks:`.
struct CheckSpec: Decodable {
    var id: String
    var description: String
    var expect: String
    var hint: String
    var run: String?
    var points: Double = 1

    enum CodingKeys: String, CodingKey { case id, description, expect, hint, run, points }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        guard !id.isEmpty, id.unicodeScalars.allSatisfy({ ExprLexer.isIdentifierPart($0) || $0 == "-" || $0 == "." }) else {
            throw ScenarioValidation("an id is letters, digits, '-', '_' and '.', found '\(id)'", key: CodingKeys.id)
        }
        description = try c.decode(String.self, forKey: .description)
        expect = try c.decode(String.self, forKey: .expect)
        hint = try c.decode(String.self, forKey: .hint)
        run = try c.decodeIfPresent(String.self, forKey: .run)
        points = try c.decodeIfPresent(Double.self, forKey: .points) ?? 1
        guard points >= 0, points.isFinite else { throw ScenarioValidation("must be 0 or more, found \(points)", key: CodingKeys.points) }
    }
}

// MARK: - Locating errors inside an expression

/// Where an expression is written in a checks file, so that an offset into it maps to a line and column.
struct ExpressionPlace: Sendable {
    /// A stretch of the expression on one line of the file.
    struct Segment: Sendable {
        var line: Int
        var column: Int
        var length: Int
    }

    var file: String
    var keyPath: String
    var segments: [Segment]

    /// - Parameters:
    ///   - lines: the checks file's lines;
    ///   - at: where the `expect` value starts (a plain scalar, a quote, or a `|`/`>` block indicator).
    init(file: String, lines: [Substring], at: ScenarioSourceMap.Location, keyPath: String) {
        self.file = file
        self.keyPath = keyPath
        func scalars(_ n: Int) -> [Unicode.Scalar] { n >= 1 && n <= lines.count ? Array(lines[n - 1].unicodeScalars) : [] }
        func indentation(_ s: [Unicode.Scalar]) -> Int { s.prefix { $0 == " " }.count }
        func trimmedLength(_ s: ArraySlice<Unicode.Scalar>) -> Int {
            var n = s.count
            while n > 0, s[s.startIndex + n - 1] == " " || s[s.startIndex + n - 1] == "\r" { n -= 1 }
            return n
        }
        let first = scalars(at.line)
        let start = at.column - 1
        guard start >= 0, start < first.count else {
            segments = [Segment(line: at.line, column: at.column, length: .max)]
            return
        }
        let c = first[start]
        var segs: [Segment] = []
        if c == "|" || c == ">" {
            // A block scalar: its lines follow, indented deeper than the key.
            var n = at.line + 1
            var indent: Int?
            while n <= lines.count {
                let s = scalars(n)
                if s.allSatisfy({ $0 == " " || $0 == "\r" }) { n += 1; continue }
                let i = indentation(s)
                if let indent, i < indent { break }
                if indent == nil { if i <= indentation(first) { break }; indent = i }
                segs.append(Segment(line: n, column: (indent ?? i) + 1, length: trimmedLength(s[(indent ?? i)...])))
                n += 1
            }
        } else if c == "\"" || c == "'" {
            segs.append(Segment(line: at.line, column: at.column + 1, length: .max))
        } else {
            // A plain scalar, perhaps continued on more-indented lines.
            segs.append(Segment(line: at.line, column: at.column, length: trimmedLength(first[start...])))
            var n = at.line + 1
            while n <= lines.count {
                let s = scalars(n)
                let i = indentation(s)
                if s.allSatisfy({ $0 == " " || $0 == "\r" }) || i <= indentation(first) { break }
                segs.append(Segment(line: n, column: i + 1, length: trimmedLength(s[i...])))
                n += 1
            }
        }
        segments = segs.isEmpty ? [Segment(line: at.line, column: at.column, length: .max)] : segs
    }

    /// The file position of `offset` (Unicode scalars into the expression, which joins the segments with one character).
    func position(_ offset: Int) -> (line: Int, column: Int) {
        var rest = max(0, offset)
        for (i, s) in segments.enumerated() {
            if rest <= s.length || i == segments.count - 1 { return (s.line, s.column + min(rest, s.length == .max ? rest : s.length)) }
            rest -= s.length + 1
        }
        return (segments[0].line, segments[0].column)
    }

    func error(_ message: String, offset: Int) -> ScenarioError {
        let p = position(offset)
        return ScenarioError(file: file, line: p.line, column: p.column, keyPath: keyPath, message: message)
    }
}
