import Foundation

/// A lab's handout as the help screen shows it: the title and the numbered steps of the README's
/// "Steps" section.
public struct Handout: Sendable, Hashable {
    /// The lab folder's name (`01-swarm`).
    public var lab: String
    /// The README's first `#` heading.
    public var title: String
    /// The steps, in order.
    public var steps: [Step]

    /// One numbered step: its number in the README and its text (inline Markdown removed).
    public struct Step: Sendable, Hashable {
        public var number: Int
        public var text: String
        public init(_ number: Int, _ text: String) { self.number = number; self.text = text }
    }

    public init(lab: String, title: String, steps: [Step]) {
        self.lab = lab; self.title = title; self.steps = steps
    }

    /// Reads a handout from Markdown: the first `#` heading, and the numbered list under the first heading
    /// called "Steps" (any level; the section ends at the next heading of the same or a higher level).
    /// A step's continuation lines (indented, or wrapped) join its text. Nil when there is no Steps list.
    public static func parse(markdown: String, lab: String) -> Handout? {
        var title = lab
        var inSteps = false
        var stepsLevel = 0
        var steps: [Step] = []
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw).replacingOccurrences(of: "\r", with: "")
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let (level, text) = heading(trimmed) {
                if level == 1 && title == lab && !inSteps && steps.isEmpty { title = plain(text) }
                if inSteps && level <= stepsLevel { break }
                if !inSteps && steps.isEmpty && isStepsHeading(text) { inSteps = true; stepsLevel = level }
                continue
            }
            guard inSteps, !trimmed.isEmpty else { continue }
            if let (number, text) = numbered(trimmed), line.prefix(while: { $0 == " " }).count < 4 {
                steps.append(Step(number, plain(text)))
            } else if let last = steps.indices.last {
                // A continuation line, or a nested item: part of the step.
                var extra = trimmed
                if extra.hasPrefix("- ") || extra.hasPrefix("* ") { extra = "· " + extra.dropFirst(2) }
                steps[last].text += " " + plain(extra)
            }
        }
        return steps.isEmpty ? nil : Handout(lab: lab, title: title, steps: steps)
    }

    /// `## Steps` → (2, "Steps").
    static func heading(_ line: String) -> (Int, String)? {
        let level = line.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(level), line.dropFirst(level).first == " " else { return nil }
        return (level, line.dropFirst(level).trimmingCharacters(in: .whitespaces))
    }

    static func isStepsHeading(_ text: String) -> Bool {
        let words = plain(text).lowercased().split(whereSeparator: { !$0.isLetter })
        return words.first == "steps" || words.last == "steps"
    }

    /// `3. Do this` or `3) Do this` → (3, "Do this").
    static func numbered(_ line: String) -> (Int, String)? {
        let digits = line.prefix(while: \.isNumber)
        guard !digits.isEmpty, digits.count <= 3, let n = Int(digits) else { return nil }
        let rest = line.dropFirst(digits.count)
        guard let mark = rest.first, mark == "." || mark == ")", rest.dropFirst().first == " " else { return nil }
        return (n, rest.dropFirst(2).trimmingCharacters(in: .whitespaces))
    }

    /// Inline Markdown removed: `code` (kept verbatim), **bold**, _emphasis_, [text](link) → text.
    static func plain(_ text: String) -> String {
        var out = ""
        var chars = Substring(text)
        while let c = chars.first {
            if c == "[", let close = chars.firstIndex(of: "]"), chars[chars.index(after: close)...].first == "(",
               let paren = chars[close...].firstIndex(of: ")") {
                out += chars[chars.index(after: chars.startIndex)..<close]
                chars = chars[chars.index(after: paren)...]
                continue
            }
            if c == "`" {
                // A code span: its text verbatim (`late-*` keeps its star).
                let rest = chars.dropFirst()
                if let close = rest.firstIndex(of: "`") {
                    out += rest[..<close]
                    chars = rest[rest.index(after: close)...]
                } else {
                    chars = rest
                }
                continue
            }
            if c == "*" { chars.removeFirst(); continue }
            if c == "_", out.last.map({ !$0.isLetter && !$0.isNumber }) ?? true || chars.dropFirst().first.map({ !$0.isLetter }) ?? true {
                chars.removeFirst(); continue
            }
            out.append(c)
            chars.removeFirst()
        }
        return out
    }
}

/// A lab folder (`labs/01-swarm`): a README.md handout and its scenarios.
public struct LabFolder: Sendable {
    /// The scenario to open.
    public var scenario: String
    /// The handout, when the README has a Steps list.
    public var handout: Handout?

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Opens `path`: the scenario the README's first step names (a `.yaml` file of the folder), or else the
    /// folder's first `.yaml`/`.yml` in name order that is not `checks.yaml`.
    public init(path: String) throws(Problem) {
        let fm = FileManager.default
        let folder = URL(fileURLWithPath: path)
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: path) } catch {
            throw Problem(description: "cannot read the folder '\(path)': \(error.localizedDescription)")
        }
        let scenarios = names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !Self.isChecks($0) }.sorted()
        let lab = folder.standardizedFileURL.lastPathComponent
        let readme = names.first { $0.lowercased() == "readme.md" }
            .flatMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
        handout = readme.flatMap { Handout.parse(markdown: $0, lab: lab) }
        let named = handout?.steps.first.flatMap { Self.scenarioNamed(in: $0.text, among: scenarios) }
        guard let chosen = named ?? scenarios.first else {
            throw Problem(description: "no scenario (.yaml) in the folder '\(path)'" + (names.contains("checks.yaml") ? " (checks.yaml holds checks, not a scenario)" : ""))
        }
        scenario = folder.appendingPathComponent(chosen).path
        // Keep the path as given (relative stays relative) for messages.
        if !path.hasPrefix("/") { scenario = (path.hasSuffix("/") ? path : path + "/") + chosen }
    }

    static func isChecks(_ name: String) -> Bool {
        let base = name.lowercased()
        return base == "checks.yaml" || base == "checks.yml" || base.hasSuffix(".checks.yaml") || base.hasSuffix(".checks.yml")
    }

    /// The first word of `text` ending in `.yaml`/`.yml` whose file name is one of `scenarios`.
    static func scenarioNamed(in text: String, among scenarios: [String]) -> String? {
        for word in text.split(whereSeparator: { $0 == " " || $0 == "`" || $0 == "(" || $0 == ")" || $0 == "," || $0 == ":" || $0 == "\"" || $0 == "'" }) {
            var w = String(word)
            while let last = w.last, last == "." || last == ";" { w.removeLast() }
            guard w.hasSuffix(".yaml") || w.hasSuffix(".yml") else { continue }
            let file = w.split(separator: "/").last.map(String.init) ?? w
            if scenarios.contains(file) { return file }
        }
        return nil
    }
}
