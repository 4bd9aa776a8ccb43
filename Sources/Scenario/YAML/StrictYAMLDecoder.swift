import Yams

/// Decodes scenario YAML into `Decodable` types, strictly, with `file:line:column` errors.
///
/// Compared with a general-purpose YAML decoder it
/// - rejects type confusion: `count: "12"`, `count: 1.5`, `up: yes` are errors that say what was found;
/// - rejects keys the type never asked about (typos), suggesting the closest expected key;
/// - rejects duplicate keys;
/// - locates every problem, including validation errors thrown by a type's own `init(from:)`
///   (`ScenarioValidation` or `DecodingError.dataCorrupted`), at the value's line and column;
/// - applies `--set KEY.PATH=VALUE` overrides before decoding (see `ScenarioError` for how their errors read).
///
/// Scalars are read by their text, not their YAML tag: integers are plain decimal (`1_000` allowed) or
/// `0x` hex; floating-point values also accept exponents and `.inf`/`.nan`; booleans are only
/// `true`/`false`; a `String` accepts any scalar except null (`~`, `null` or nothing). Quoted
/// scalars are always strings. Anchors, aliases and merge keys (`<<: *base`) work; keys merged
/// in are checked like keys written in place.
public struct StrictYAMLDecoder: Sendable {
    public init() {}

    /// Decodes `type` from one YAML document.
    ///
    /// - Parameters:
    ///   - yaml: the document text; an empty document decodes as an empty mapping.
    ///   - file: the name errors report, usually the path the user gave.
    ///   - overrides: `KEY.PATH=VALUE` texts (without `--set`), applied in order before decoding.
    /// - Throws: `ScenarioError`, the first problem found (unknown keys are reported after everything
    ///   else decoded, the earliest in the file first).
    public func decode<T: Decodable>(
        _ type: T.Type, from yaml: String, file: String, overrides: [String] = []
    ) throws(ScenarioError) -> T {
        try decodeWithSourceMap(type, from: yaml, file: file, overrides: overrides).value
    }

    /// Like `decode(_:from:file:overrides:)`, and also returns where each value came from, for
    /// validation that needs the whole decoded model (e.g. "region 'eu' is not defined").
    public func decodeWithSourceMap<T: Decodable>(
        _ type: T.Type, from yaml: String, file: String, overrides: [String] = []
    ) throws(ScenarioError) -> (value: T, sourceMap: ScenarioSourceMap) {
        var root: Node
        do {
            root = try Yams.compose(yaml: yaml) ?? Node([(Node, Node)]())
        } catch {
            throw YAMLSyntax.error(error, file: file, text: yaml)
        }
        var origins = SourceOrigins(file: file)
        try Overrides.apply(overrides, to: &root, origins: &origins)

        let session = DecodingSession(root: root, origins: origins)
        let value: T
        do {
            value = try session.decode(T.self, node: root, path: [])
        } catch let error as ScenarioError {
            throw error
        } catch {
            // `session.decode` only throws ScenarioError; keep the type checker and future edits honest.
            throw session.error("\(error)", at: root, path: [])
        }
        if let unknown = session.firstUnknownKey() { throw unknown }
        return (value, ScenarioSourceMap(root: root, origins: origins))
    }
}

// MARK: - Key paths

/// One step into a YAML tree: a mapping key or a sequence index.
enum PathComponent: Hashable, Sendable {
    case key(String)
    case index(Int)
}

extension Array where Element == PathComponent {
    /// `hosts[0].count`; keys that are not simple names render as `["a key"]`.
    var rendered: String {
        var out = ""
        for component in self {
            switch component {
            case .index(let i):
                out += "[\(i)]"
            case .key(let k):
                let simple = !k.isEmpty && k.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
                }
                if simple { out += out.isEmpty ? k : ".\(k)" } else { out += "[\"\(k)\"]" }
            }
        }
        return out
    }
}

/// A `CodingKey` for a `PathComponent`, so `codingPath` is meaningful to `init(from:)` code.
struct PathCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; self.intValue = nil }
    init(intValue: Int) { self.stringValue = "Index \(intValue)"; self.intValue = intValue }
    init(_ component: PathComponent) {
        switch component {
        case .key(let k): self.init(stringValue: k)
        case .index(let i): self.init(intValue: i)
        }
    }
}

// MARK: - Nodes

extension Node {
    /// The scalar's text if it is written plain (unquoted), where `12`, `true` and `~` mean numbers, booleans and null.
    var plainText: String? {
        guard case .scalar(let s) = self, s.style == .plain || s.style == .any else { return nil }
        return s.string
    }

    /// Plain `~`, `null`, `Null`, `NULL` or nothing at all.
    var isNull: Bool {
        guard let text = plainText else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// How error messages describe this node as "found …".
    var foundDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .alias: return "an alias"
        case .scalar(let s):
            switch s.style {
            case .plain, .any:
                if s.string.isEmpty { return "nothing" }
                return isNull ? "null" : Spelling.quoted(s.string)
            case .singleQuoted, .doubleQuoted: return "a quoted string \(Spelling.quoted(s.string))"
            case .literal, .folded: return "a block string \(Spelling.quoted(s.string))"
            }
        }
    }
}

/// One key of a mapping with its value, after merge keys (`<<`) were expanded.
struct MappingEntry {
    var key: String
    var keyNode: Node
    var value: Node
}

/// Why a mapping's entries could not be listed.
enum MappingProblem: Error {
    case nonScalarKey(found: String, at: Mark?)
    case duplicate(key: String, first: Mark?, second: Mark?)
    case badMerge(found: String, at: Mark?)
    /// Merge keys expand to more than `MappingEntries.maximumMergedEntries` entries, or nest deeper than
    /// `maximumMergeDepth` (aliases are shared, not copied, so a few lines can expand exponentially).
    case mergeTooLarge(deep: Bool, limit: Int, at: Mark?)
}

/// How many more entries merge keys may bring in, out of `limit`.
struct MergeBudget {
    var remaining: Int
    let limit: Int
    init(limit: Int) { self.remaining = limit; self.limit = limit }
}

enum MappingEntries {
    /// The most entries merge keys (`<<`) may bring in to one mapping. Each merged mapping visited counts
    /// too, so empty ones cannot escape the bound.
    static let maximumMergedEntries = 100_000
    /// The most entries merge keys may bring in to all the mappings of one document together.
    static let maximumMergedEntriesPerDocument = 1_000_000
    /// The deepest chain of merges (a mapping merging one that merges another, …).
    static let maximumMergeDepth = 16

    /// The mapping's keys in document order, then keys merged in with `<<` that are not written in place.
    ///
    /// Written keys take precedence over merged ones; among merged mappings, earlier ones win (YAML merge rules).
    static func of(_ mapping: Node.Mapping) throws(MappingProblem) -> [MappingEntry] {
        var budget = MergeBudget(limit: maximumMergedEntries)
        return try of(mapping, budget: &budget)
    }

    /// Like `of(_:)`, drawing merged entries from `budget` (shared by the caller across mappings).
    static func of(_ mapping: Node.Mapping, budget: inout MergeBudget) throws(MappingProblem) -> [MappingEntry] {
        do {
            return try of(mapping, depth: 0, budget: &budget)
        } catch {
            guard case .mergeTooLarge(let deep, let limit, _) = error else { throw error }
            // Point at this mapping's own `<<`, not at wherever deep inside the expansion the bound was hit.
            let mergeKey = mapping.first { $0.key.plainText == "<<" }?.key
            throw .mergeTooLarge(deep: deep, limit: limit, at: mergeKey?.mark)
        }
    }

    private static func of(_ mapping: Node.Mapping, depth: Int, budget: inout MergeBudget) throws(MappingProblem) -> [MappingEntry] {
        var explicit: [MappingEntry] = []
        var merged: [MappingEntry] = []
        var seen: [String: Mark?] = [:]  // key → where it is written (marks can be nil)
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else { throw .nonScalarKey(found: keyNode.foundDescription, at: keyNode.mark) }
            if keyNode.plainText == "<<" {
                let sources: [Node]
                switch value {
                case .mapping: sources = [value]
                case .sequence(let seq): sources = Array(seq)
                default: throw .badMerge(found: value.foundDescription, at: value.mark)
                }
                guard depth < maximumMergeDepth else { throw .mergeTooLarge(deep: true, limit: maximumMergeDepth, at: keyNode.mark) }
                for source in sources {
                    guard case .mapping(let m) = source else { throw .badMerge(found: source.foundDescription, at: source.mark) }
                    budget.remaining -= 1
                    guard budget.remaining >= 0 else { throw .mergeTooLarge(deep: false, limit: budget.limit, at: keyNode.mark) }
                    let entries = try of(m, depth: depth + 1, budget: &budget)
                    budget.remaining -= entries.count
                    guard budget.remaining >= 0 else { throw .mergeTooLarge(deep: false, limit: budget.limit, at: keyNode.mark) }
                    merged += entries
                }
                continue
            }
            if let first = seen[keyScalar.string] {
                throw .duplicate(key: keyScalar.string, first: first, second: keyNode.mark)
            }
            seen.updateValue(keyNode.mark, forKey: keyScalar.string)
            explicit.append(MappingEntry(key: keyScalar.string, keyNode: keyNode, value: value))
        }
        for entry in merged where seen[entry.key] == nil {
            seen.updateValue(entry.keyNode.mark, forKey: entry.key)
            explicit.append(entry)
        }
        return explicit
    }
}

// MARK: - Decoding session

/// State shared by all decoders of one `decode` call: the tree, where nodes came from and which keys were asked for.
final class DecodingSession {
    let root: Node
    let origins: SourceOrigins

    /// Merged entries all the mappings decoded so far may still bring in (see `MappingEntries.maximumMergedEntries`).
    private var mergeBudget = MergeBudget(limit: MappingEntries.maximumMergedEntriesPerDocument)

    /// Keys the decoded types asked about, per mapping (identified by its path).
    private var usage: [[PathComponent]: MappingUsage] = [:]

    struct MappingUsage {
        var entries: [MappingEntry]
        var asked: [String] = []
        var askedSet: Set<String> = []
    }

    init(root: Node, origins: SourceOrigins) {
        self.root = root
        self.origins = origins
    }

    // MARK: Errors

    /// An error located at `node` (or at its key, with `isKey`), which sits at `path`.
    func error(_ message: String, at node: Node?, path: [PathComponent], isKey: Bool = false) -> ScenarioError {
        error(message, at: node?.mark, path: path, isKey: isKey)
    }

    /// An error located at `mark`, the position of a node at `path` (or of its key, with `isKey`).
    func error(_ message: String, at mark: Mark?, path: [PathComponent], isKey: Bool = false) -> ScenarioError {
        let p = origins.position(of: mark, at: path, isKey: isKey)
        return ScenarioError(file: p.file, line: p.line, column: p.column, keyPath: path.rendered, message: message)
    }

    func typeError(expected: String, found node: Node, path: [PathComponent]) -> ScenarioError {
        error("expected \(expected), found \(node.foundDescription)", at: node, path: path)
    }

    // MARK: Mappings and keys

    /// The entries of the mapping at `path`, registered so that unasked keys can be reported later.
    func entries(of node: Node, path: [PathComponent]) throws(ScenarioError) -> [MappingEntry] {
        guard case .mapping(let mapping) = node else { throw typeError(expected: "a mapping", found: node, path: path) }
        if let known = usage[path] { return known.entries }
        let entries: [MappingEntry]
        do {
            // The per-mapping bound, or what is left of the document's when that is less.
            var budget = mergeBudget.remaining < MappingEntries.maximumMergedEntries
                ? mergeBudget : MergeBudget(limit: MappingEntries.maximumMergedEntries)
            let before = budget.remaining
            entries = try MappingEntries.of(mapping, budget: &budget)
            mergeBudget.remaining -= before - budget.remaining
        } catch {
            throw mappingError(error, path: path)
        }
        usage[path] = MappingUsage(entries: entries)
        return entries
    }

    func mappingError(_ problem: MappingProblem, path: [PathComponent]) -> ScenarioError {
        switch problem {
        case .nonScalarKey(let found, let mark):
            return self.error("expected a key, found \(found)", at: mark, path: path)
        case .badMerge(let found, let mark):
            return self.error("expected a mapping or a sequence of mappings to merge with '<<', found \(found)",
                              at: mark, path: path + [.key("<<")])
        case .mergeTooLarge(let deep, let limit, let mark):
            let what = deep
                ? "merge keys ('<<') nest more than \(limit) deep (a merged mapping merging another, …)"
                : limit == MappingEntries.maximumMergedEntries
                ? "merge keys ('<<') expand to more than \(limit) entries here (an alias is expanded again wherever it is merged)"
                : "merge keys ('<<') expand to more than \(limit) entries in the whole document (an alias is expanded again wherever it is merged)"
            return self.error("\(what); merge fewer mappings", at: mark, path: path + [.key("<<")], isKey: true)
        case .duplicate(let key, let first, let second):
            let firstAt = origins.position(of: first, at: path + [.key(key)], isKey: true)
            return self.error("duplicate key '\(key)' (first defined at line \(firstAt.line), column \(firstAt.column))",
                              at: second, path: path + [.key(key)], isKey: true)
        }
    }

    /// Notes that the type decoding the mapping at `path` asked about `key`.
    func ask(_ key: String, in path: [PathComponent]) {
        guard var u = usage[path], !u.askedSet.contains(key) else { return }
        u.asked.append(key)
        u.askedSet.insert(key)
        usage[path] = u
    }

    /// Keys of the mapping at `path` not asked about so far.
    func unaskedEntries(in path: [PathComponent]) -> [MappingEntry] {
        guard let u = usage[path] else { return [] }
        return u.entries.filter { !u.askedSet.contains($0.key) }
    }

    /// The earliest key (in the file, then in override order) that no decoded type asked about.
    func firstUnknownKey() -> ScenarioError? {
        var best: (order: SourcePosition.Order, keyPath: String, error: ScenarioError)?
        for (path, u) in usage {
            for entry in u.entries where !u.askedSet.contains(entry.key) {
                let keyPath = path + [.key(entry.key)]
                let position = origins.position(of: entry.keyNode.mark, at: keyPath, isKey: true)
                // Earliest position first; the same aliased key at two paths: the alphabetically first path.
                if let b = best, !(position.order < b.order || (position.order == b.order && keyPath.rendered < b.keyPath)) {
                    continue
                }
                var message = "unknown key '\(entry.key)'; "
                message += u.asked.isEmpty ? "this mapping takes no keys" : "expected one of: \(u.asked.joined(separator: ", "))"
                if let guess = Spelling.suggestion(for: entry.key, among: u.asked) { message += "; did you mean '\(guess)'?" }
                best = (position.order, keyPath.rendered, error(message, at: entry.keyNode, path: keyPath, isKey: true))
            }
        }
        return best?.error
    }

    /// An unknown key of the mapping at `path` that looks like a misspelling of a key the type asked for
    /// and did not find (`duraton` for `duration`): reported before the type's own complaint, which would
    /// otherwise be about the missing key ("give how long to run") without naming the typo.
    func misspeltKey(in path: [PathComponent]) -> ScenarioError? {
        guard let u = usage[path] else { return nil }
        let present = Set(u.entries.map(\.key))
        let absent = u.asked.filter { !present.contains($0) }
        for entry in u.entries where !u.askedSet.contains(entry.key) {
            guard let guess = Spelling.suggestion(for: entry.key, among: absent) else { continue }
            let message = "unknown key '\(entry.key)'; expected one of: \(u.asked.joined(separator: ", ")); did you mean '\(guess)'?"
            return error(message, at: entry.keyNode, path: path + [.key(entry.key)], isKey: true)
        }
        return nil
    }

    // MARK: Decoding values

    /// Decodes `T` from `node`, turning errors thrown by `T`'s own `init(from:)` into located `ScenarioError`s.
    func decode<T: Decodable>(_ type: T.Type, node: Node, path: [PathComponent]) throws -> T {
        do {
            return try T(from: NodeDecoder(session: self, node: node, path: path))
        } catch let error as ScenarioError {
            throw error
        } catch let validation as ScenarioValidation {
            if let typo = misspeltKey(in: path) { throw typo }
            if let key = validation.key, case .mapping(let m) = node,
               let entry = (try? MappingEntries.of(m))?.first(where: { $0.key == key }) {
                throw self.error(validation.message, at: entry.value, path: path + [.key(key)])
            }
            throw self.error(validation.message, at: node, path: path)
        } catch let decodingError as DecodingError {
            if let names = caseNamesIfEnum(T.self), case .scalar(let s) = node, !names.contains(s.string) {
                var message = "invalid value \(Spelling.quoted(s.string)); expected one of: \(names.joined(separator: ", "))"
                if let guess = Spelling.suggestion(for: s.string, among: names) { message += "; did you mean '\(guess)'?" }
                throw self.error(message, at: node, path: path)
            }
            throw locate(decodingError, node: node, path: path)
        } catch {
            throw self.error("\(error)", at: node, path: path)
        }
    }

    /// Places a `DecodingError` thrown by a type's own code: at the node its coding path names when that is
    /// inside the value being decoded, otherwise at the value being decoded.
    private func locate(_ error: DecodingError, node: Node, path: [PathComponent]) -> ScenarioError {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c): context = c
        @unknown default: return self.error("\(error)", at: node, path: path)
        }
        let message = context.debugDescription.isEmpty ? "invalid value" : context.debugDescription
        let resolved = resolve(context.codingPath)
        if resolved.path.starts(with: path) {
            return self.error(message, at: resolved.node, path: resolved.path + resolved.rest)
        }
        return self.error(message, at: node, path: path)
    }

    /// Follows a coding path from the root as far as the tree allows.
    private func resolve(_ codingPath: [any CodingKey]) -> (node: Node, path: [PathComponent], rest: [PathComponent]) {
        var node = root
        var path: [PathComponent] = []
        for (i, key) in codingPath.enumerated() {
            var next: (Node, PathComponent)?
            switch node {
            case .mapping(let m):
                if let entry = (try? MappingEntries.of(m))?.first(where: { $0.key == key.stringValue }) {
                    next = (entry.value, .key(key.stringValue))
                }
            case .sequence(let s):
                if let index = key.intValue, s.indices.contains(index) { next = (s[index], .index(index)) }
            default:
                break
            }
            guard let (child, component) = next else {
                let rest = codingPath[i...].map { k in k.intValue.map(PathComponent.index) ?? .key(k.stringValue) }
                return (node, path, rest)
            }
            node = child
            path.append(component)
        }
        return (node, path, [])
    }
}

/// The raw values of a `RawRepresentable & CaseIterable` type (a plain enum), to list valid choices.
private func caseNamesIfEnum<T>(_ type: T.Type) -> [String]? {
    guard let enumType = type as? any (RawRepresentable & CaseIterable).Type else { return nil }
    return caseNames(enumType)
}

private func caseNames<E: RawRepresentable & CaseIterable>(_: E.Type) -> [String] {
    E.allCases.map { "\($0.rawValue)" }
}

// MARK: - Decoder

/// A `Decoder` over one node of the tree.
struct NodeDecoder: Decoder {
    let session: DecodingSession
    let node: Node
    let path: [PathComponent]

    var codingPath: [any CodingKey] { path.map(PathCodingKey.init) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let entries = try session.entries(of: node, path: path)
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let seq) = node else {
            throw session.typeError(expected: "a sequence", found: node, path: path)
        }
        return UnkeyedContainer(decoder: self, elements: Array(seq))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }
}

// MARK: Keyed container

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let entries: [MappingEntry]
    private let byKey: [String: MappingEntry]

    init(decoder: NodeDecoder, entries: [MappingEntry]) {
        self.decoder = decoder
        self.entries = entries
        var byKey: [String: MappingEntry] = [:]
        for entry in entries { byKey[entry.key] = entry }
        self.byKey = byKey
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }
    private var session: DecodingSession { decoder.session }

    func contains(_ key: Key) -> Bool {
        session.ask(key.stringValue, in: decoder.path)
        return byKey[key.stringValue] != nil
    }

    /// The value for `key`, or a "missing required key" error (pointing at a near-miss spelling if there is one).
    private func value(for key: Key) throws -> Node {
        session.ask(key.stringValue, in: decoder.path)
        if let entry = byKey[key.stringValue] { return entry.value }
        let missing = "missing required key '\(key.stringValue)'"
        for entry in session.unaskedEntries(in: decoder.path)
        where Spelling.suggestion(for: entry.key, among: [key.stringValue]) != nil {
            throw session.error("\(missing); found '\(entry.key)', did you mean '\(key.stringValue)'?",
                                at: entry.keyNode, path: decoder.path + [.key(entry.key)], isKey: true)
        }
        throw session.error(missing, at: decoder.node, path: decoder.path)
    }

    private func childDecoder(_ key: Key) throws -> NodeDecoder {
        NodeDecoder(session: session, node: try value(for: key), path: decoder.path + [.key(key.stringValue)])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(for: key).isNull }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let child = try childDecoder(key)
        return try session.decode(T.self, node: child.node, path: child.path)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try ScalarReader(try childDecoder(key)).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try ScalarReader(try childDecoder(key)).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try ScalarReader(try childDecoder(key)).double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try ScalarReader(try childDecoder(key)).float() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try ScalarReader(try childDecoder(key)).integer() }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try ScalarReader(try childDecoder(key)).integer() }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try childDecoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try childDecoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { try superDecoder(named: "super") }
    func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder(named: key.stringValue) }

    private func superDecoder(named name: String) throws -> any Decoder {
        session.ask(name, in: decoder.path)
        return NodeDecoder(session: session, node: byKey[name]?.value ?? Node(""), path: decoder.path + [.key(name)])
    }
}

// MARK: Unkeyed container

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let elements: [Node]
    private(set) var currentIndex = 0

    init(decoder: NodeDecoder, elements: [Node]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }
    private var session: DecodingSession { decoder.session }

    /// The decoder for the current element; does not advance.
    private func current() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw session.error("expected more than \(elements.count) element\(elements.count == 1 ? "" : "s")",
                                at: decoder.node, path: decoder.path)
        }
        return NodeDecoder(session: session, node: elements[currentIndex], path: decoder.path + [.index(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard try current().node.isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let element = try current()
        let value = try session.decode(T.self, node: element.node, path: element.path)
        currentIndex += 1
        return value
    }

    /// Reads the current element with `read` and advances past it.
    private mutating func next<V>(_ read: (ScalarReader) throws -> V) throws -> V {
        let value = try read(ScalarReader(try current()))
        currentIndex += 1
        return value
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try $0.bool() } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try $0.string() } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try $0.double() } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next { try $0.float() } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next { try $0.integer() } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next { try $0.integer() } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next { try $0.integer() } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next { try $0.integer() } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next { try $0.integer() } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next { try $0.integer() } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next { try $0.integer() } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next { try $0.integer() } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next { try $0.integer() } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next { try $0.integer() } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try current().container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try current().unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let element = try current()
        currentIndex += 1
        return element
    }
}

// MARK: Single-value container

struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.node.isNull }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.session.decode(T.self, node: decoder.node, path: decoder.path)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try ScalarReader(decoder).bool() }
    func decode(_ type: String.Type) throws -> String { try ScalarReader(decoder).string() }
    func decode(_ type: Double.Type) throws -> Double { try ScalarReader(decoder).double() }
    func decode(_ type: Float.Type) throws -> Float { try ScalarReader(decoder).float() }
    func decode(_ type: Int.Type) throws -> Int { try ScalarReader(decoder).integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try ScalarReader(decoder).integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try ScalarReader(decoder).integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try ScalarReader(decoder).integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try ScalarReader(decoder).integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try ScalarReader(decoder).integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try ScalarReader(decoder).integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try ScalarReader(decoder).integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try ScalarReader(decoder).integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try ScalarReader(decoder).integer() }
}

// MARK: - Scalars

/// Reads one node as a primitive value, strictly.
struct ScalarReader {
    let decoder: NodeDecoder
    init(_ decoder: NodeDecoder) { self.decoder = decoder }

    private var node: Node { decoder.node }

    private func mismatch(_ expected: String, hintIfUnquoted: Bool) -> ScenarioError {
        var message = "expected \(expected), found \(node.foundDescription)"
        if hintIfUnquoted { message += " (remove the quotes)" }
        return decoder.session.error(message, at: node, path: decoder.path)
    }

    /// The text of a quoted scalar, if this node is one.
    private var quotedText: String? {
        guard case .scalar(let s) = node, node.plainText == nil else { return nil }
        return s.string
    }

    func bool() throws -> Bool {
        switch node.plainText {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            let quotedBool = quotedText.map { ["true", "false"].contains($0.lowercased()) } ?? false
            throw mismatch("true or false", hintIfUnquoted: quotedBool)
        }
    }

    func string() throws -> String {
        guard case .scalar(let s) = node, !node.isNull else { throw mismatch("a string", hintIfUnquoted: false) }
        return s.string
    }

    func integer<I: FixedWidthInteger>() throws -> I {
        guard let text = node.plainText, !node.isNull else {
            let quotedNumber = quotedText.map { NumberSyntax.integerDigits($0) != nil } ?? false
            throw mismatch("an integer", hintIfUnquoted: quotedNumber)
        }
        guard let (digits, radix) = NumberSyntax.integerDigits(text) else { throw mismatch("an integer", hintIfUnquoted: false) }
        guard let value = I(digits, radix: radix) else {
            throw mismatch("an integer from \(I.min) to \(I.max)", hintIfUnquoted: false)
        }
        return value
    }

    func double() throws -> Double {
        guard let text = node.plainText, !node.isNull else {
            let quotedNumber = quotedText.map { NumberSyntax.double($0) != nil } ?? false
            throw mismatch("a number", hintIfUnquoted: quotedNumber)
        }
        guard let value = NumberSyntax.double(text) else { throw mismatch("a number", hintIfUnquoted: false) }
        return value
    }

    func float() throws -> Float {
        let value = try double()
        let narrowed = Float(value)
        guard narrowed.isFinite || !value.isFinite else {
            throw mismatch("a number from \(-Float.greatestFiniteMagnitude) to \(Float.greatestFiniteMagnitude)", hintIfUnquoted: false)
        }
        return narrowed
    }
}

/// The number spellings scenario files accept.
enum NumberSyntax {
    /// For `-12`, `+7`, `1_000_000` or `0x1F`: the text `FixedWidthInteger.init(_:radix:)` takes, and the radix.
    static func integerDigits(_ text: String) -> (String, Int)? {
        var body = Substring(text)
        var sign = ""
        if let first = body.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        var radix = 10
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            radix = 16
            body = body.dropFirst(2)
        }
        // Digits, with single underscores only between digits.
        guard let first = body.first, let last = body.last, first != "_", last != "_", !body.contains("__") else { return nil }
        let digits = body.filter { $0 != "_" }
        let valid = digits.unicodeScalars.allSatisfy { radix == 16 ? $0.properties.isASCIIHexDigit : ("0"..."9").contains($0) }
        return valid ? (sign + digits, radix) : nil
    }

    /// `1`, `-2.5`, `1e-3`, `.5`, `.inf`, `-.inf`, `.nan`.
    static func double(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let allowed = text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || "+-.eE_".unicodeScalars.contains($0) }
        guard allowed, text.contains(where: \.isNumber), !text.hasPrefix("_"), !text.hasSuffix("_") else { return nil }
        return Double(text.filter { $0 != "_" })
    }
}

// MARK: - YAML syntax errors

/// Turns errors from Yams' parser into `ScenarioError`s.
enum YAMLSyntax {
    /// - Parameters:
    ///   - text: the text that was parsed (to find duplicate keys and tabs);
    ///   - place: maps a 1-based (line, column) in `text` to the reported one (overrides shift columns).
    static func error(
        _ error: any Error, file: String, text: String,
        place: (Int, Int) -> (line: Int, column: Int) = { ($0, $1) }
    ) -> ScenarioError {
        func located(_ line: Int, _ column: Int, _ message: String) -> ScenarioError {
            let p = place(line, column)
            return ScenarioError(file: file, line: p.line, column: p.column, keyPath: "", message: message)
        }
        guard let yamlError = error as? YamlError else { return located(1, 1, "invalid YAML: \(error)") }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context {
                let c = place(context.mark.line, context.mark.column)
                message += " (\(context.text) at line \(c.line), column \(c.column))"
            }
            if character(in: text, line: mark.line, column: mark.column) == "\t" {
                message += "; YAML does not allow tabs for indentation, use spaces"
            }
            return located(mark.line, mark.column, message)
        case .reader(let problem, let offset, _, _):
            let (line, column) = offset.map { lineAndColumn(in: text, characterOffset: $0) } ?? (1, 1)
            return located(line, column, "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = context.mark
            if let second = secondOccurrence(of: key, after: first, in: text) {
                let f = place(first.line, first.column)
                return located(second.line, second.column,
                               "duplicate key '\(key)' (first defined at line \(f.line), column \(f.column))")
            }
            return located(first.line, first.column, "duplicate key '\(key)'")
        default:
            return located(1, 1, "invalid YAML: \(yamlError)")
        }
    }

    private static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    private static func character(in text: String, line: Int, column: Int) -> Unicode.Scalar? {
        let all = lines(text)
        guard line >= 1, line <= all.count else { return nil }
        let scalars = Array(all[line - 1].unicodeScalars)
        return column >= 1 && column <= scalars.count ? scalars[column - 1] : nil
    }

    private static func lineAndColumn(in text: String, characterOffset: Int) -> (Int, Int) {
        var line = 1, column = 1
        for ch in text.prefix(characterOffset) {
            if ch == "\n" || ch == "\r\n" { line += 1; column = 1 } else { column += ch.unicodeScalars.count }
        }
        return (line, column)
    }

    /// Where a block mapping repeats `key`: the next line at the same indentation as the first key that
    /// starts with `key:` (plain or quoted), before the mapping ends. `nil` when not found (e.g. flow style).
    private static func secondOccurrence(of key: String, after first: Mark, in text: String) -> (line: Int, column: Int)? {
        let all = lines(text)
        guard first.line >= 1, first.line < all.count else { return nil }
        let indent = first.column - 1
        let spellings = [key, "\"\(key)\"", "'\(key)'"]
        for lineIndex in first.line..<all.count {
            let line = all[lineIndex]
            let content = line.drop(while: { $0 == " " })
            if content.isEmpty || content.hasPrefix("#") { continue }
            let lineIndent = line.count - content.count
            if lineIndent < indent { return nil }
            guard lineIndent == indent else { continue }
            for spelling in spellings where content.hasPrefix(spelling) {
                if content.dropFirst(spelling.count).drop(while: { $0 == " " }).hasPrefix(":") {
                    return (lineIndex + 1, first.column)
                }
            }
        }
        return nil
    }
}

// MARK: - Source map

/// Where each value of a decoded document came from, by key path (`hosts[0].region`, as in `ScenarioError.keyPath`).
///
/// For checks that need the whole decoded model, e.g. a host naming a region that is not defined:
///
///     let (scenario, sources) = try decoder.decodeWithSourceMap(Scenario.self, from: text, file: path)
///     throw sources.error(at: "hosts[2].region", "no region named 'eu'; defined regions: us, asia")
public struct ScenarioSourceMap: Sendable {
    /// A value's origin: the scenario file (or `--set …` override) and the 1-based line and column.
    public struct Location: Sendable, Equatable {
        public var file: String
        public var line: Int
        public var column: Int
    }

    private var locations: [String: Location] = [:]
    private let file: String

    init(root: Node, origins: SourceOrigins) {
        file = origins.file
        walk(root, path: [], origins: origins)
    }

    private mutating func walk(_ node: Node, path: [PathComponent], origins: SourceOrigins) {
        let p = origins.position(of: node.mark, at: path)
        locations[path.rendered] = Location(file: p.file, line: p.line, column: p.column)
        switch node {
        case .mapping(let m):
            for entry in (try? MappingEntries.of(m)) ?? [] {
                walk(entry.value, path: path + [.key(entry.key)], origins: origins)
            }
        case .sequence(let s):
            for (i, element) in s.enumerated() { walk(element, path: path + [.index(i)], origins: origins) }
        case .scalar, .alias:
            break
        }
    }

    /// The location of the value at `keyPath`, or of the nearest enclosing value present in the document
    /// (so a key path to an omitted optional points at the mapping that lacks it).
    public func location(of keyPath: String) -> Location {
        var path = Substring(keyPath)
        while true {
            if let location = locations[String(path)] { return location }
            guard !path.isEmpty else { return Location(file: file, line: 1, column: 1) }
            // Drop the last component: `[i]`/`["key"]` or `.key` (or the only key).
            if path.hasSuffix("]"), let open = path.lastIndex(of: "[") {
                path = path[..<open]
            } else if let dot = path.lastIndex(of: ".") {
                path = path[..<dot]
            } else {
                path = ""
            }
        }
    }

    /// A `ScenarioError` with `message` at the value at `keyPath` (see `location(of:)`).
    public func error(at keyPath: String, _ message: String) -> ScenarioError {
        let l = location(of: keyPath)
        return ScenarioError(file: l.file, line: l.line, column: l.column, keyPath: keyPath, message: message)
    }
}
