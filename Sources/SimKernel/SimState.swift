public import HeapModule

/// Per-node kernel bookkeeping: the node's PRNG, event and log counters, and its running fingerprint.
public struct NodeSlot: Sendable, Hashable {
    /// The node's own random stream.
    public var random: SimRandom
    /// Events this node has scheduled so far (the `seq` of the latest).
    public var seq: UInt64 = 0
    /// Log entries this node has recorded so far.
    public var logSeq: UInt64 = 0
    /// Running hash over every event delivered to this node, in delivery order.
    public var fingerprint: UInt64 = 0xcbf2_9ce4_8422_2325
    /// Events delivered to this node.
    public var delivered: UInt64 = 0
}

/// The complete state of a run: a value. Copying it is a checkpoint; assigning it back restores the run
/// exactly (the model, every node, every PRNG, the pending events, the log).
public struct SimState<Model: SimModel>: Sendable {
    /// Shared configuration; changed only by control actions.
    public var model: Model
    /// Every node's state, indexed by `NodeID`.
    public var nodes: [Model.Node]
    /// Per-node kernel bookkeeping, indexed by `NodeID`.
    public var slots: [NodeSlot] { _slots }
    @usableFromInline var _slots: [NodeSlot]
    @usableFromInline var heap = EventHeap<Model.Message>()
    @usableFromInline var controls: Heap<ScheduledControl<Model.Control>> = []
    /// The virtual time reached.
    public internal(set) var now: SimTime {
        get { _now }
        set { _now = newValue }
    }
    @usableFromInline var _now: SimTime = .zero
    /// The scenario seed every node stream derives from.
    public let seed: UInt64
    @usableFromInline var environmentSeq: UInt64 = 0
    @usableFromInline var environmentLogSeq: UInt64 = 0
    /// Control actions applied so far (each is also fingerprinted).
    public internal(set) var controlsApplied: UInt64 = 0
    @usableFromInline var controlFingerprint: UInt64 = 0x8422_2325_cbf2_9ce4
    /// The structured event log (bounded).
    public var log: EventLog
    @usableFromInline var pendingLogs: [LogEntry] = []

    @usableFromInline init(model: Model, nodes: [Model.Node], seed: UInt64, logCapacity: Int) {
        self.model = model
        self.nodes = nodes
        self.seed = seed
        self._slots = (0..<nodes.count).map { NodeSlot(random: SimRandom(seed: seed, stream: UInt64($0))) }
        self.log = EventLog(capacity: logCapacity)
    }

    /// Events delivered to nodes since the start of the run.
    public var eventsDelivered: UInt64 { slots.reduce(0) { $0 &+ $1.delivered } }

    /// Events waiting to be delivered.
    public var pendingEventCount: Int { heap.count }

    /// The next event that will be delivered, if any (for "show the next event before stepping").
    public var nextEvent: ScheduledEvent<Model.Message>? { heap.min }

    /// The time of the next control action, if any.
    public var nextControlTime: SimTime? { controls.min?.time }

    /// The run fingerprint: a hash over every event delivered to every node (in each node's delivery
    /// order), every control applied, and the time reached. Identical for identical runs, whatever the
    /// thread count.
    public var fingerprint: UInt64 {
        var h = SplitMix64.mix(seed ^ controlFingerprint)
        for s in slots { h = SplitMix64.mix(h ^ s.fingerprint) &+ s.delivered }
        return SplitMix64.mix(h ^ UInt64(bitPattern: now.nanoseconds))
    }

    /// The fingerprint as 16 lowercase hex digits.
    public var fingerprintHex: String {
        let s = String(fingerprint, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    // MARK: Environment API (control actions, scenario set-up)

    /// Schedules a message for `target` from the environment at `time` (not before now).
    public mutating func schedule(_ message: Model.Message, to target: NodeID, at time: SimTime) {
        precondition(time >= now, "cannot schedule into the past")
        environmentSeq &+= 1
        heap.insert(ScheduledEvent(time: time, origin: environmentOrigin, target: UInt32(target), seq: environmentSeq, message: message))
    }

    /// Schedules a control action at `time` (not before now). Actions at the same time apply in the order scheduled.
    public mutating func scheduleControl(_ control: Model.Control, at time: SimTime) {
        precondition(time >= now, "cannot schedule into the past")
        environmentSeq &+= 1
        controls.insert(ScheduledControl(time: time, seq: environmentSeq, control: control))
    }

    /// Records an environment log entry (an injection, a scenario milestone) at the current time.
    public mutating func log(_ kind: String, _ fields: [LogField] = []) {
        environmentLogSeq &+= 1
        pendingLogs.append(LogEntry(time: now, node: nil, seq: environmentLogSeq, kind: kind, fields: fields))
    }

    /// Removes pending events for which `predicate` is true (e.g. timers of a crashed node).
    public mutating func removeEvents(where predicate: (ScheduledEvent<Model.Message>) -> Bool) {
        let kept = heap.unordered.filter { !predicate($0) }
        if kept.count != heap.count { heap = EventHeap(kept) }
    }

    /// Removes pending control actions for which `predicate` is true.
    public mutating func removeControls(where predicate: (ScheduledControl<Model.Control>) -> Bool) {
        let kept = controls.unordered.filter { !predicate($0) }
        if kept.count != controls.count { controls = Heap(kept) }
    }

    /// Pending control actions in the order they will apply.
    public var pendingControls: [ScheduledControl<Model.Control>] { controls.unordered.sorted() }

    @usableFromInline mutating func applyNextControl() {
        guard let c = controls.popMin() else { return }
        now = max(now, c.time)
        controlsApplied &+= 1
        controlFingerprint = SplitMix64.mix(controlFingerprint ^ UInt64(bitPattern: c.time.nanoseconds) ^ (c.seq << 1))
        Model.apply(c.control, to: &self)
    }

    /// Moves pending log entries earlier than `frontier` into the log, in canonical order; later ones wait,
    /// so entries of one instant are ordered the same way however the run was split into windows.
    @usableFromInline mutating func flushLogs(before frontier: SimTime, sink: ((LogEntry) -> Void)?) {
        guard !pendingLogs.isEmpty else { return }
        pendingLogs.sort(by: LogEntry.ordered)
        let cut = pendingLogs.firstIndex { $0.time >= frontier } ?? pendingLogs.count
        guard cut > 0 else { return }
        let ready = pendingLogs[..<cut]
        if let sink { ready.forEach(sink) }
        log.append(contentsOf: Array(ready))
        pendingLogs.removeFirst(cut)
    }
}
