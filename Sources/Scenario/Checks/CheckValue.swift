/// A value in a lab check: a report (or a part of it), a number, a string, a truth value, a list or nothing.
///
/// Reports become `CheckValue` trees with `CheckValue(encoding:)`; keys are the report's JSON keys
/// (snake_case, as `docs/report-format.md` documents them), and a field the report leaves out of its JSON
/// because it has no value (`distribution_time_s` before everyone finished) is present here as `.null`,
/// so that checks can tell "no value yet" from "no such key".
public enum CheckValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([CheckValue])
    case object(CheckObject)

    /// Keys in the order the report declares them, with their values.
    public struct CheckObject: Sendable, Hashable {
        public private(set) var keys: [String] = []
        public private(set) var values: [String: CheckValue] = [:]

        public init() {}

        public init(_ pairs: [(String, CheckValue)]) {
            for (k, v) in pairs { self[k] = v }
        }

        public subscript(key: String) -> CheckValue? {
            get { values[key] }
            set {
                if values[key] == nil, newValue != nil { keys.append(key) }
                if newValue == nil { keys.removeAll { $0 == key } }
                values[key] = newValue
            }
        }

        /// The value of `key`; failing an exact match, of the key that is the same once underscores are
        /// ignored (`lower_bound_p2p_s` and `lower_bound_p_2p_s` are one key).
        public func lookup(_ key: String) -> (key: String, value: CheckValue)? {
            if let v = values[key] { return (key, v) }
            let loose = CheckObject.loose(key)
            for k in keys where CheckObject.loose(k) == loose {
                if let v = values[k] { return (k, v) }
            }
            return nil
        }

        static func loose(_ key: String) -> String { key.filter { $0 != "_" }.lowercased() }
    }

    /// A value for people: numbers with at most three decimals, strings quoted, lists shortened.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return CheckValue.format(x)
        case .string(let s): return "\"\(s)\""
        case .list(let items):
            if items.count <= 6 { return "[" + items.map(\.description).joined(separator: ", ") + "]" }
            return "[" + items.prefix(5).map(\.description).joined(separator: ", ") + ", … (\(items.count) values)]"
        case .object(let o):
            let shown = o.keys.prefix(4).map { "\($0): \(o.values[$0]?.description ?? "null")" }
            return "{" + shown.joined(separator: ", ") + (o.keys.count > 4 ? ", …}" : "}")
        }
    }

    /// What kind of value this is, for messages (`a number`, `a list of 30 values`, …).
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a truth value"
        case .number: return "a number"
        case .string: return "a string"
        case .list(let l): return "a list of \(l.count) value\(l.count == 1 ? "" : "s")"
        case .object: return "an object"
        }
    }

    /// Fixed-point text without locale or exponent: `81.2`, `0.9`, `1200`, `-3.125`.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        guard abs(x) < 1e15 else { return "\(x)" }
        let scaled = (x * 1000).rounded()
        let negative = scaled < 0
        let digits = String(Int64(abs(scaled)))
        let padded = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        var s = "\(padded.dropLast(3)).\(padded.suffix(3))"
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return (negative && s != "0" ? "-" : "") + s
    }
}

extension CheckValue {
    /// The value of an `Encodable` (a `RunReport`, usually) with the keys its JSON has.
    ///
    /// Keys are converted to snake_case exactly as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`
    /// does (the report's `json()` uses that), and optionals without a value appear as `.null`.
    public init(encoding value: some Encodable) throws {
        let root = TreeNode()
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
        self = root.finish()
    }
}

// MARK: - An Encoder that builds a CheckValue tree

/// One node of the tree under construction (a reference, so nested containers can fill it later).
private final class TreeNode {
    enum Content {
        case unset
        case scalar(CheckValue)
        case object(keys: [String], children: [String: TreeNode])
        case list([TreeNode])
    }
    var content: Content = .unset

    func finish() -> CheckValue {
        switch content {
        case .unset: return .null
        case .scalar(let v): return v
        case .list(let items): return .list(items.map { $0.finish() })
        case .object(let keys, let children):
            var o = CheckValue.CheckObject()
            for k in keys { o[k] = children[k]?.finish() ?? .null }
            return .object(o)
        }
    }

    /// The child for `key`, creating it (and making this node an object) if needed.
    func child(_ key: String) -> TreeNode {
        var keys: [String] = [], children: [String: TreeNode] = [:]
        if case .object(let k, let c) = content { keys = k; children = c }
        if let existing = children[key] { return existing }
        let node = TreeNode()
        keys.append(key)
        children[key] = node
        content = .object(keys: keys, children: children)
        return node
    }

    func makeObject() {
        if case .object = content { return }
        content = .object(keys: [], children: [:])
    }

    func append() -> TreeNode {
        var items: [TreeNode] = []
        if case .list(let l) = content { items = l }
        let node = TreeNode()
        items.append(node)
        content = .list(items)
        return node
    }

    func makeList() {
        if case .list = content { return }
        content = .list([])
    }

    var count: Int {
        if case .list(let l) = content { return l.count }
        return 0
    }
}

private struct TreeEncoder: Encoder {
    let node: TreeNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(TreeKeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeList()
        return TreeUnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        TreeSingleContainer(node: node, codingPath: codingPath)
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String { "\(intValue ?? 0)" }
    var intValue: Int?
    init(_ i: Int) { intValue = i }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct TreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: TreeNode
    let codingPath: [any CodingKey]

    private func set(_ value: CheckValue, _ key: Key) { node.child(SnakeCase.convert(key.stringValue)).content = .scalar(value) }

    mutating func encodeNil(forKey key: Key) { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) { set(.number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) { set(.number(Double(value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = node.child(SnakeCase.convert(key.stringValue))
        try value.encode(to: TreeEncoder(node: child, codingPath: codingPath + [key]))
    }

    // A missing optional is recorded as null (the default implementations would leave the key out).
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) { if let value { encode(value, forKey: key) } else { set(.null, key) } }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.null, key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = node.child(SnakeCase.convert(key.stringValue))
        child.makeObject()
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.child(SnakeCase.convert(key.stringValue))
        child.makeList()
        return TreeUnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.child("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(node: node.child(SnakeCase.convert(key.stringValue)), codingPath: codingPath + [key])
    }
}

private struct TreeUnkeyedContainer: UnkeyedEncodingContainer {
    let node: TreeNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    private func add(_ value: CheckValue) { node.append().content = .scalar(value) }

    mutating func encodeNil() { add(.null) }
    mutating func encode(_ value: Bool) { add(.bool(value)) }
    mutating func encode(_ value: String) { add(.string(value)) }
    mutating func encode(_ value: Double) { add(.number(value)) }
    mutating func encode(_ value: Float) { add(.number(Double(value))) }
    mutating func encode(_ value: Int) { add(.number(Double(value))) }
    mutating func encode(_ value: Int8) { add(.number(Double(value))) }
    mutating func encode(_ value: Int16) { add(.number(Double(value))) }
    mutating func encode(_ value: Int32) { add(.number(Double(value))) }
    mutating func encode(_ value: Int64) { add(.number(Double(value))) }
    mutating func encode(_ value: UInt) { add(.number(Double(value))) }
    mutating func encode(_ value: UInt8) { add(.number(Double(value))) }
    mutating func encode(_ value: UInt16) { add(.number(Double(value))) }
    mutating func encode(_ value: UInt32) { add(.number(Double(value))) }
    mutating func encode(_ value: UInt64) { add(.number(Double(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = node.count
        try value.encode(to: TreeEncoder(node: node.append(), codingPath: codingPath + [IndexKey(index)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let index = node.count
        let child = node.append()
        child.makeObject()
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(node: child, codingPath: codingPath + [IndexKey(index)]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let index = node.count
        let child = node.append()
        child.makeList()
        return TreeUnkeyedContainer(node: child, codingPath: codingPath + [IndexKey(index)])
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.append(), codingPath: codingPath) }
}

private struct TreeSingleContainer: SingleValueEncodingContainer {
    let node: TreeNode
    let codingPath: [any CodingKey]

    private func set(_ value: CheckValue) { node.content = .scalar(value) }

    mutating func encodeNil() { set(.null) }
    mutating func encode(_ value: Bool) { set(.bool(value)) }
    mutating func encode(_ value: String) { set(.string(value)) }
    mutating func encode(_ value: Double) { set(.number(value)) }
    mutating func encode(_ value: Float) { set(.number(Double(value))) }
    mutating func encode(_ value: Int) { set(.number(Double(value))) }
    mutating func encode(_ value: Int8) { set(.number(Double(value))) }
    mutating func encode(_ value: Int16) { set(.number(Double(value))) }
    mutating func encode(_ value: Int32) { set(.number(Double(value))) }
    mutating func encode(_ value: Int64) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt8) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt16) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt32) { set(.number(Double(value))) }
    mutating func encode(_ value: UInt64) { set(.number(Double(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: TreeEncoder(node: node, codingPath: codingPath)) }
}

/// `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`, reproduced so the tree has the JSON's keys:
/// words start at an upper-case letter; a run of capitals is one word, except its last capital when a
/// lower-case letter follows; digits stay with the letters around them (`lowerBoundP2pS` → `lower_bound_p_2p_s`).
enum SnakeCase {
    static func convert(_ key: String) -> String {
        let chars = Array(key)
        guard !chars.isEmpty else { return key }
        var words: [ArraySlice<Character>] = []
        var wordStart = 0
        var search = 1
        while let upper = (search..<chars.count).first(where: { chars[$0].isUppercase }) {
            words.append(chars[wordStart..<upper])
            guard let lower = (upper..<chars.count).first(where: { chars[$0].isLowercase }) else {
                wordStart = upper
                search = chars.count
                break
            }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(chars[upper..<(lower - 1)])
                wordStart = lower - 1
            }
            search = lower + 1
        }
        words.append(chars[wordStart..<chars.count])
        return words.map { String($0).lowercased() }.joined(separator: "_")
    }
}
