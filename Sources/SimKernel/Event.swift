/// Index of a node in a simulation (0-based, dense; fewer than 16,777,215 nodes).
public typealias NodeID = Int

/// The origin id used for events scheduled by the environment (the scenario, a control action, the UI),
/// rather than by a node. It sorts after every node at the same instant.
public let environmentOrigin: UInt32 = .max

/// A message scheduled for delivery to a node at a virtual time.
///
/// Events are totally ordered by `(time, origin, seq)`: the node that created the event and that node's
/// own running counter. The key is unique, so the order never depends on threads, dictionaries or heaps.
public struct ScheduledEvent<Message>: Comparable {
    /// The whole ordering key in one integer: time in the high 64 bits; below it the origin (24 bits)
    /// and the origin's sequence number (40 bits). One unsigned comparison orders events, which lets
    /// the heap pick the smallest child without unpredictable branches.
    @usableFromInline var key: UInt128
    /// The node the message is delivered to.
    public var target: UInt32
    /// The payload handed to the target node's model.
    public var message: Message

    /// Packs the ordering key. `time` must not be negative and `seq` must fit in 40 bits;
    /// node origins are clamped to 24 bits, and `environmentOrigin` sorts after every node.
    @inlinable public init(time: SimTime, origin: UInt32, target: UInt32, seq: UInt64, message: Message) {
        precondition(seq < 1 << 40, "per-node event sequence overflow")
        precondition(time.nanoseconds >= 0, "events cannot be scheduled before the start")
        let o = UInt64(origin == environmentOrigin ? 0xFF_FFFF : min(origin, 0xFF_FFFE))
        self.key = UInt128(UInt64(time.nanoseconds)) << 64 | UInt128(o << 40 | seq)
        self.target = target
        self.message = message
    }

    @inlinable init(key: UInt128, target: UInt32, message: Message) {
        self.key = key
        self.target = target
        self.message = message
    }

    /// When the event is delivered.
    @inlinable public var time: SimTime { SimTime(nanoseconds: Int64(truncatingIfNeeded: UInt64(truncatingIfNeeded: key >> 64))) }
    @inlinable var tie: UInt64 { UInt64(truncatingIfNeeded: key) }
    /// The node that created the event (`environmentOrigin` for the environment).
    @inlinable public var origin: UInt32 {
        let o = UInt32(tie >> 40)
        return o == 0xFF_FFFF ? environmentOrigin : o
    }
    /// The creating node's running number for it.
    @inlinable public var seq: UInt64 { tie & (1 << 40 - 1) }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.key < b.key }
    @inlinable public static func == (a: Self, b: Self) -> Bool { a.key == b.key }
}

extension ScheduledEvent: Sendable where Message: Sendable {}

/// A control action (failure injection, live change) applied between windows at a virtual time.
public struct ScheduledControl<Control>: Comparable {
    /// When the action applies.
    public var time: SimTime
    /// Scheduling order: actions at the same time apply in increasing `seq`.
    public var seq: UInt64
    /// The action itself.
    public var control: Control
    @inlinable public static func < (a: Self, b: Self) -> Bool { (a.time, a.seq) < (b.time, b.seq) }
    @inlinable public static func == (a: Self, b: Self) -> Bool { a.time == b.time && a.seq == b.seq }
}

extension ScheduledControl: Sendable where Control: Sendable {}
