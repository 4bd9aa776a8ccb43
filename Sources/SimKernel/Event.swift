/// Index of a node in a simulation (0-based, dense).
public typealias NodeID = Int

/// The origin id used for events scheduled by the environment (the scenario, a control action, the UI),
/// rather than by a node. It sorts after every node at the same instant.
public let environmentOrigin: UInt32 = .max

/// A message scheduled for delivery to a node at a virtual time.
///
/// Events are totally ordered by `(time, origin, seq)`: the node that created the event and that node's
/// own running counter. The key is unique, so the order never depends on threads, dictionaries or heaps.
public struct ScheduledEvent<Message>: Comparable {
    public var time: SimTime
    public var origin: UInt32
    public var target: UInt32
    public var seq: UInt64
    public var message: Message

    @inlinable public init(time: SimTime, origin: UInt32, target: UInt32, seq: UInt64, message: Message) {
        self.time = time; self.origin = origin; self.target = target; self.seq = seq; self.message = message
    }

    @inlinable public static func < (a: Self, b: Self) -> Bool {
        if a.time.nanoseconds != b.time.nanoseconds { return a.time.nanoseconds < b.time.nanoseconds }
        if a.origin != b.origin { return a.origin < b.origin }
        return a.seq < b.seq
    }
    @inlinable public static func == (a: Self, b: Self) -> Bool {
        a.time == b.time && a.origin == b.origin && a.seq == b.seq
    }
}

extension ScheduledEvent: Sendable where Message: Sendable {}

/// A control action (failure injection, live change) applied between windows at a virtual time.
public struct ScheduledControl<Control>: Comparable {
    public var time: SimTime
    public var seq: UInt64
    public var control: Control
    @inlinable public static func < (a: Self, b: Self) -> Bool { (a.time, a.seq) < (b.time, b.seq) }
    @inlinable public static func == (a: Self, b: Self) -> Bool { a.time == b.time && a.seq == b.seq }
}

extension ScheduledControl: Sendable where Control: Sendable {}
