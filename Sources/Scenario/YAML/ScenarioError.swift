/// A problem in a scenario file (or in a `--set` override), located at a line and column.
///
/// `description` has the shape compilers use, so editors and terminals can jump to it:
///
///     FILE:LINE:COLUMN: error: KEYPATH: MESSAGE
///     labs/01/swarm.yaml:7:12: error: hosts[1].up: expected a bit rate like 1Mbps, 56kbps or 10Gbit/s, found '10'
///
/// `KEYPATH: ` is left out when the error is not about one value (for example a YAML syntax error), and
/// `:LINE:COLUMN` when it is about the file as a whole (`line` 0: it cannot be read, or is not UTF-8).
///
/// Errors caused by a `--set` override name the override instead of the file: `file` is
/// `--set ` followed by the override text exactly as given, `line` is always 1 and `column`
/// counts characters (Unicode scalars) of the override text itself, 1-based, so that column 1
/// is the first character of the key path and the value starts right after the `=`:
///
///     --set hosts.0.count=abc:1:15: error: hosts[0].count: expected an integer, found 'abc'
public struct ScenarioError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The scenario file's path as given to the decoder, or `--set KEY.PATH=VALUE` for an override.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars (as libyaml does).
    public var column: Int
    /// Where in the document the problem is, like `hosts[0].count`; empty when not about one value.
    public var keyPath: String
    /// What was expected and what was found.
    public var message: String

    /// Creates an error; prefer the decoder's own errors, this is for callers that locate errors themselves.
    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE:LINE:COLUMN: error: KEYPATH: MESSAGE` (without `KEYPATH: ` when the key path is empty, and
    /// `FILE: error: MESSAGE` when the error has no position).
    public var description: String {
        let location = line > 0 ? "\(file):\(line):\(column): error: " : "\(file): error: "
        return keyPath.isEmpty ? location + message : location + keyPath + ": " + message
    }
}

/// A validation failure thrown from a type's own `init(from:)` while it is decoded by `StrictYAMLDecoder`.
///
/// The decoder turns it into a `ScenarioError` located at the value being decoded (or at one of its keys):
///
///     init(from decoder: any Decoder) throws {
///         let c = try decoder.container(keyedBy: CodingKeys.self)
///         count = try c.decode(Int.self, forKey: .count)
///         guard count >= 1 else { throw ScenarioValidation("must be at least 1, found \(count)", key: CodingKeys.count) }
///     }
///
/// `DecodingError.dataCorrupted` (for example from `DecodingError.dataCorruptedError(forKey:in:debugDescription:)`)
/// works too and is located by its coding path; its `debugDescription` becomes the message.
/// Other decoders see `ScenarioValidation` as an ordinary error.
public struct ScenarioValidation: Error, Sendable, CustomStringConvertible {
    /// What is wrong, e.g. `must be at least 1, found 0`.
    public var message: String
    /// A key of the mapping being decoded to point at instead of the whole value; `nil` for the value itself.
    public var key: String?

    /// - Parameters:
    ///   - message: what is wrong; the decoder prefixes file, line, column and key path.
    ///   - key: optionally, the key (of the mapping being decoded) whose value is at fault.
    public init(_ message: String, key: (any CodingKey)? = nil) {
        self.message = message
        self.key = key?.stringValue
    }

    public var description: String { key.map { "\($0): \(message)" } ?? message }
}

// MARK: - Spelling suggestions

/// Helpers shared by the decoder, overrides and quantity parsers for "did you mean" hints.
/// Spelling suggestions ("did you mean …?") for names the user typed.
public enum Spelling {
    /// The candidate closest to `word` if it is within edit distance 2 (counting a swap of two
    /// neighbouring letters as one edit) and the edit does not rewrite the candidate entirely.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let d = distance(word.lowercased(), candidate.lowercased())
            guard d <= 2, d < candidate.count else { continue }
            if d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.candidate
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d = min(d, previous2[j - 2] + 1)
                }
                current[j] = d
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// `'text'`, shortened to a readable length.
    static func quoted(_ text: String, limit: Int = 40) -> String {
        let oneLine = text.replacingNewlines()
        guard oneLine.count > limit else { return "'\(oneLine)'" }
        return "'\(oneLine.prefix(limit))…'"
    }
}

extension String {
    /// The text with line breaks shown as `\n`, so a message stays on one line.
    fileprivate func replacingNewlines() -> String {
        var out = ""
        for ch in self {
            if ch == "\n" || ch == "\r\n" { out += "\\n" } else if ch == "\r" { out += "\\r" } else { out.append(ch) }
        }
        return out
    }
}
