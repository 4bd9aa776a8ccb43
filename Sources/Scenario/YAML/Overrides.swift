import Yams

/// `--set KEY.PATH=VALUE` overrides, applied to the parsed tree before decoding.
///
/// - `KEY.PATH` is a dot-separated list of mapping keys and sequence indices: `seed`, `hosts.0.count`.
///   A segment is an index when the node it steps into is a sequence. Keys containing `.` cannot be addressed.
/// - `VALUE` is parsed as YAML: `9`, `symmetric`, `'[a, b]'`, `'{count: 2, up: 1Mbps}'`; nothing after `=` is null.
/// - The last key is added when the mapping lacks it (so optional keys can be set), and so is a missing
///   intermediate mapping (`dht.k` without `dht:`); an index out of range, an index into a sequence that is
///   not there, or a path that goes through a scalar is an error.
/// - Errors, including later decoding errors in a value an override set, are reported against the
///   override (see `ScenarioError` for the format).
enum Overrides {
    static func apply(_ texts: [String], to root: inout Node, origins: inout SourceOrigins) throws(ScenarioError) {
        for (index, text) in texts.enumerated() {
            let override = try Override(parsing: text)
            let value = try override.parsedValue()
            var createdMappings: [(path: [PathComponent], column: Int)] = []
            let (path, createdKey) = try assign(value, into: &root, segments: override.segments[...], path: [], override: override,
                                                createdMappings: &createdMappings)
            // Mappings the override created on the way belong to it too (an unknown key among them is its error).
            for m in createdMappings {
                origins.record(OverrideOrigin(index: index, label: override.label, path: m.path,
                                              valueColumn: override.valueColumn, keyColumn: m.column, createdKey: true))
            }
            origins.record(OverrideOrigin(
                index: index, label: override.label, path: path,
                valueColumn: override.valueColumn, keyColumn: override.segments.last?.column ?? 1, createdKey: createdKey))
        }
    }

    /// Sets `value` at `segments` below `node`; returns the full path it was set at and whether the last key is new.
    private static func assign(
        _ value: Node, into node: inout Node, segments: ArraySlice<Override.Segment>,
        path: [PathComponent], override: Override, createdMappings: inout [(path: [PathComponent], column: Int)]
    ) throws(ScenarioError) -> ([PathComponent], Bool) {
        guard let segment = segments.first else { return (path, false) }
        let isLast = segments.count == 1
        let rest = segments.dropFirst()
        switch node {
        case .mapping(var mapping):
            let childPath = path + [.key(segment.name)]
            // A key written in this mapping: replace its value, or descend into it.
            if let i = mapping.firstIndex(where: { $0.key.plainText != "<<" && $0.key.scalar?.string == segment.name }) {
                var child = isLast ? value : mapping[i].value
                let result = try isLast ? (childPath, false) : assign(value, into: &child, segments: rest, path: childPath, override: override, createdMappings: &createdMappings)
                mapping[i] = (key: mapping[i].key, value: child)
                node = .mapping(mapping)
                return result
            }
            let entries = (try? MappingEntries.of(mapping)) ?? []
            if isLast {
                mapping[Node(segment.name)] = value
                node = .mapping(mapping)
                return (childPath, true)
            }
            // A key merged in with `<<`: copy its value into this mapping, then change the copy.
            if var child = entries.first(where: { $0.key == segment.name })?.value {
                let result = try assign(value, into: &child, segments: rest, path: childPath, override: override, createdMappings: &createdMappings)
                mapping[Node(segment.name)] = child
                node = .mapping(mapping)
                return result
            }
            // A missing mapping on the way (`--set dht.k=4` in a file without `dht:`) is created, as the last
            // key is; the strict decoder still rejects a key that does not exist (with a did-you-mean).
            if let next = rest.first, Int(next.name) == nil, !entries.contains(where: { $0.key == segment.name }) {
                var child = Node.mapping(Node.Mapping([]))
                createdMappings.append((childPath, segment.column))
                let result = try assign(value, into: &child, segments: rest, path: childPath, override: override, createdMappings: &createdMappings)
                mapping[Node(segment.name)] = child
                node = .mapping(mapping)
                return result
            }
            let keys = entries.map(\.key)
            var message = "key '\(segment.name)' not found; "
            message += keys.isEmpty ? "the mapping is empty" : "existing keys: \(keys.joined(separator: ", "))"
            if let guess = Spelling.suggestion(for: segment.name, among: keys) { message += "; did you mean '\(guess)'?" }
            throw override.error(message, column: segment.column, path: path)

        case .sequence(var sequence):
            guard let i = Int(segment.name), i >= 0 else {
                throw override.error("expected an index into the sequence, found '\(segment.name)'", column: segment.column, path: path)
            }
            guard i < sequence.count else {
                let range = sequence.isEmpty ? "the sequence is empty" : "the sequence has \(sequence.count) element\(sequence.count == 1 ? "" : "s") (0...\(sequence.count - 1))"
                throw override.error("index \(i) is out of range; \(range)", column: segment.column, path: path)
            }
            let childPath = path + [.index(i)]
            var child = isLast ? value : sequence[i]
            let result = try isLast ? (childPath, false) : assign(value, into: &child, segments: rest, path: childPath, override: override, createdMappings: &createdMappings)
            sequence[i] = child
            node = .sequence(sequence)
            return result

        case .scalar, .alias:
            throw override.error("cannot set '\(segment.name)' inside \(node.foundDescription); it is not a mapping or a sequence",
                                 column: segment.column, path: path)
        }
    }
}

/// One parsed `KEY.PATH=VALUE` text.
struct Override {
    struct Segment {
        var name: String
        /// 1-based column of the segment in the override text.
        var column: Int
    }

    /// `--set KEY.PATH=VALUE`, the `file` of errors about this override.
    let label: String
    let segments: [Segment]
    let valueText: String
    /// 1-based column of the first character after `=`.
    let valueColumn: Int

    init(parsing text: String) throws(ScenarioError) {
        label = "--set \(text)"
        let scalars = Array(text.unicodeScalars)
        guard let equals = scalars.firstIndex(of: "=") else {
            throw ScenarioError(file: label, line: 1, column: 1, keyPath: "",
                                message: "expected KEY.PATH=VALUE, found no '='")
        }
        guard equals > 0 else {
            throw ScenarioError(file: label, line: 1, column: 1, keyPath: "",
                                message: "expected a key path before '=', found nothing")
        }
        var segments: [Segment] = []
        var start = 0
        for i in 0...equals where i == equals || scalars[i] == "." {
            let name = String(String.UnicodeScalarView(scalars[start..<i]))
            guard !name.isEmpty else {
                throw ScenarioError(file: label, line: 1, column: start + 1, keyPath: "",
                                    message: "expected a key between dots, found nothing")
            }
            segments.append(Segment(name: name, column: start + 1))
            start = i + 1
        }
        self.segments = segments
        valueText = String(String.UnicodeScalarView(scalars[(equals + 1)...]))
        valueColumn = equals + 2
    }

    /// The value as a YAML node (null when empty); syntax errors are located in the override text.
    func parsedValue() throws(ScenarioError) -> Node {
        do {
            return try Yams.compose(yaml: valueText) ?? Node("")
        } catch {
            // libyaml reports "end of input" on the line after the last; for a one-line value that is its end.
            let end = valueColumn + valueText.unicodeScalars.count
            let oneLine = !valueText.contains("\n")
            throw YAMLSyntax.error(error, file: label, text: valueText, place: { line, column in
                (1, line == 1 ? column + valueColumn - 1 : oneLine ? end : column)
            })
        }
    }

    func error(_ message: String, column: Int, path: [PathComponent]) -> ScenarioError {
        ScenarioError(file: label, line: 1, column: column, keyPath: path.rendered, message: message)
    }
}

// MARK: - Where nodes came from

/// A place in the scenario file or in an override, with an order for "report the earliest first".
struct SourcePosition {
    /// Document positions come first (source 0), then overrides in the order given (source 1, 2, …).
    struct Order: Comparable {
        var source: Int
        var line: Int
        var column: Int
        static func < (a: Order, b: Order) -> Bool {
            (a.source, a.line, a.column) < (b.source, b.line, b.column)
        }
    }

    var file: String
    var line: Int
    var column: Int
    var order: Order
}

/// The subtree one override put into the tree.
struct OverrideOrigin {
    var index: Int
    var label: String
    /// Where the value was set.
    var path: [PathComponent]
    var valueColumn: Int
    /// Column of the last key-path segment, for errors about a key the override added.
    var keyColumn: Int
    /// Whether the override added the last key (rather than replacing a value).
    var createdKey: Bool
}

/// Maps nodes to file positions: nodes set by an override are positioned in that override's text.
///
/// Yams' marks are relative to the text parsed, and an override's value is parsed on its own,
/// so the decoder asks here (by the node's path) which text a node came from.
struct SourceOrigins {
    let file: String
    private(set) var overrides: [OverrideOrigin] = []

    init(file: String) { self.file = file }

    mutating func record(_ origin: OverrideOrigin) {
        // An override replaces everything earlier overrides put below its path.
        overrides.removeAll { $0.path.starts(with: origin.path) }
        overrides.append(origin)
    }

    /// The position of a node with `mark` at `path`; with `isKey`, `mark` is its key's and the position is the key's.
    func position(of mark: Mark?, at path: [PathComponent], isKey: Bool = false) -> SourcePosition {
        if isKey, let origin = overrides.last(where: { $0.path == path }), origin.createdKey {
            return SourcePosition(file: origin.label, line: 1, column: origin.keyColumn,
                                  order: .init(source: origin.index + 1, line: 1, column: origin.keyColumn))
        }
        // A key belongs to the mapping that holds it; a value to the deepest override at or above it.
        let container = isKey ? Array(path.dropLast()) : path
        let origin = overrides.filter { container.starts(with: $0.path) }.max { $0.path.count < $1.path.count }
        guard let origin else {
            let line = mark?.line ?? 1, column = mark?.column ?? 1
            return SourcePosition(file: file, line: line, column: column, order: .init(source: 0, line: line, column: column))
        }
        let line = mark?.line ?? 1
        let column = line == 1 ? (mark?.column ?? 1) + origin.valueColumn - 1 : (mark?.column ?? 1)
        return SourcePosition(file: origin.label, line: 1, column: column,
                              order: .init(source: origin.index + 1, line: line, column: column))
    }
}
