/// What a simulation simulates: per-node state, the messages nodes exchange, and the control actions
/// (failure injections, live changes) that the environment applies between windows.
///
/// The model value itself is shared, read-only configuration while nodes run (topology, latencies);
/// only control actions, applied serially between windows, may change it.
public protocol SimModel: Sendable {
    /// Per-node state; only the node's own handler changes it.
    associatedtype Node: Sendable
    /// What nodes send each other or schedule for themselves (timers).
    associatedtype Message: Sendable
    /// An action the environment applies between windows (failure injection, live change).
    associatedtype Control: Sendable

    /// The smallest delay between an event at one node and any effect it can have on another node.
    /// Windows of this width run their nodes in parallel. Must be positive.
    var lookahead: SimDuration { get }

    /// Handles one message delivered to `node`. Touch only `node` and `context`.
    func handle(_ message: Message, node: inout Node, context: inout NodeContext<Message>)

    /// A stable 64-bit digest of a message for the run fingerprint (same in every process; never `Hasher`).
    func digest(_ message: Message) -> UInt64

    /// Applies a control action to the whole world, serially, between windows.
    static func apply(_ control: Control, to world: inout SimState<Self>)
}

/// What a node sees while handling a message: the clock, its own PRNG, and ways to schedule messages and log.
public struct NodeContext<Message> {
    /// The current virtual time.
    @inlinable public var now: SimTime { _now }
    /// The node handling the message.
    @inlinable public var node: NodeID { _node }
    @usableFromInline var _now: SimTime
    @usableFromInline var _node: NodeID
    /// This node's own random stream.
    public var random: SimRandom
    @usableFromInline var seq: UInt64
    @usableFromInline var logSeq: UInt64
    @usableFromInline let lookahead: SimDuration
    @usableFromInline var outbox: [ScheduledEvent<Message>] = []
    @usableFromInline var logs: [LogEntry] = []

    @usableFromInline init(now: SimTime, node: NodeID, random: SimRandom, seq: UInt64, logSeq: UInt64, lookahead: SimDuration) {
        self._now = now; self._node = node; self.random = random; self.seq = seq; self.logSeq = logSeq; self.lookahead = lookahead
    }

    /// Schedules `message` for this node after `delay` (a timer, or a local step such as a downlink delivery).
    @inlinable public mutating func scheduleSelf(_ message: Message, after delay: SimDuration) {
        precondition(delay.nanoseconds >= 0, "cannot schedule into the past")
        seq &+= 1
        outbox.append(ScheduledEvent(time: now + delay, origin: UInt32(node), target: UInt32(node), seq: seq, message: message))
    }

    /// Sends `message` to another node, arriving at `time`, which must be at least `lookahead` from now.
    @inlinable public mutating func send(_ message: Message, to target: NodeID, at time: SimTime) {
        precondition(time >= now, "cannot schedule into the past")
        precondition(target == node || time.nanoseconds - now.nanoseconds >= lookahead.nanoseconds,
                     "a message to another node must take at least the lookahead (\(lookahead))")
        seq &+= 1
        outbox.append(ScheduledEvent(time: time, origin: UInt32(node), target: UInt32(target), seq: seq, message: message))
    }

    /// Records a structured log entry at this node.
    public mutating func log(_ kind: String, _ fields: [LogField] = []) {
        logSeq &+= 1
        logs.append(LogEntry(time: now, node: node, seq: logSeq, kind: kind, fields: fields))
    }
}
