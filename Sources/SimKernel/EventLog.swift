public import DequeModule

/// A value in a structured log entry.
public enum LogValue: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        case .bool(let v): return String(v)
        }
    }
}

/// One key–value field of a log entry.
public struct LogField: Sendable, Hashable {
    /// The field name, e.g. `host` or `reason`.
    public var key: String
    /// The field value.
    public var value: LogValue
    /// A field with any value.
    public init(_ key: String, _ value: LogValue) { self.key = key; self.value = value }
    /// A text field.
    public init(_ key: String, _ value: String) { self.init(key, .string(value)) }
    /// An integer field (stored as `Int64`).
    public init(_ key: String, _ value: Int) { self.init(key, .int(Int64(value))) }
    /// A floating-point field.
    public init(_ key: String, _ value: Double) { self.init(key, .double(value)) }
}

/// A structured log entry: something notable that happened at a node (or in the environment).
public struct LogEntry: Sendable, Hashable {
    /// When it happened.
    public var time: SimTime
    /// The node it happened at, or nil for the environment (injections, the scenario).
    public var node: NodeID?
    /// Per-node (or environment) running number: with `time` and `node`, the entry's stable sort key.
    public var seq: UInt64
    /// A short machine-readable kind such as `nat.drop` or `inject.crash`.
    public var kind: String
    /// Details as key–value pairs, in the order given.
    public var fields: [LogField]

    /// An entry as given; `(time, node, seq)` should be unique so the log order is stable.
    public init(time: SimTime, node: NodeID?, seq: UInt64, kind: String, fields: [LogField]) {
        self.time = time; self.node = node; self.seq = seq; self.kind = kind; self.fields = fields
    }

    /// The canonical log order: time, then node (environment last), then the node's own sequence.
    @inlinable static func ordered(_ a: LogEntry, _ b: LogEntry) -> Bool {
        if a.time != b.time { return a.time < b.time }
        let an = a.node ?? .max, bn = b.node ?? .max
        if an != bn { return an < bn }
        return a.seq < b.seq
    }

    /// The value of a field, if present.
    public subscript(key: String) -> LogValue? { fields.first { $0.key == key }?.value }
}

/// The structured event log: a bounded ring buffer of the most recent entries, so long runs use bounded memory.
public struct EventLog: Sendable {
    /// The most entries kept; older ones are discarded first.
    public let capacity: Int
    /// The retained entries, oldest first, in canonical order.
    public private(set) var entries: Deque<LogEntry> = []
    /// Entries recorded since the start of the run, including those discarded.
    public private(set) var totalRecorded: Int = 0

    /// An empty log keeping at most `capacity` entries (at least 1).
    public init(capacity: Int = 10_000) { self.capacity = max(1, capacity) }

    /// Appends entries that are already in canonical order and later than every retained entry.
    mutating func append(contentsOf batch: [LogEntry]) {
        totalRecorded += batch.count
        for e in batch {
            if entries.count == capacity { entries.removeFirst() }
            entries.append(e)
        }
    }

    /// Entries discarded because the buffer was full.
    public var discarded: Int { totalRecorded - entries.count }
}
