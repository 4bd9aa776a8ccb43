public import HeapModule

/// Why `Simulation.run` returned.
public enum RunStop: Sendable, Equatable {
    /// The requested time was reached (events may remain after it).
    case reachedTime
    /// Nothing is left to do: no events and no control actions.
    case idle
    /// `shouldStop` asked to pause.
    case paused
}

/// Runs a `SimModel`: the clock, the event heap, and the windowed parallel executor.
///
/// ## Determinism
/// Every node handles its events in `(time, origin, seq)` order. A message between two nodes takes at least
/// `model.lookahead`, so within a window `[t, t + lookahead)` nothing a node does can reach another node:
/// the nodes of a window run in parallel. Each worker thread owns a share of the nodes
/// with its own event heap and delivers its events in key order, touching only its own nodes; events
/// for another share go through mailboxes that their target collects at the start of the next window.
/// Keys are unique, so the order in which events enter a heap cannot matter. Control actions are
/// applied serially at window boundaries, with every pending event back in one heap.
///
/// With one thread the same per-node order is produced by simply popping the heap (no windows), which is
/// faster; every node then sees exactly the same sequence of events, so the fingerprint is identical.
///
/// The hot loops are `@inlinable` so that they are specialised for each model in the module that uses it.
public final class Simulation<Model: SimModel> {
    /// Why `run` returned (the same as `RunStop`).
    public typealias Stop = RunStop

    /// The complete run state. Copy it to checkpoint; assign it to restore.
    public var state: SimState<Model>
    /// Worker threads for windows (1 = sequential). Any value gives the same run. At most the machine's
    /// cores are used (but 2 when asked for more than 1, so that one core still runs the parallel code).
    public var threads: Int
    /// Receives every log entry, in canonical order, as it is finalised (for `--events out.jsonl`).
    public var logSink: ((LogEntry) -> Void)?
    @usableFromInline var executor = WindowExecutor<Model>()

    /// A run of `model` over `nodes` (indexed by `NodeID`) from `seed`; `logCapacity` bounds the event log.
    /// The model's lookahead must be positive.
    public init(model: Model, nodes: [Model.Node], seed: UInt64, threads: Int = 1, logCapacity: Int = 10_000) {
        precondition(model.lookahead.nanoseconds > 0, "the lookahead must be positive")
        state = SimState(model: model, nodes: nodes, seed: seed, logCapacity: logCapacity)
        self.threads = max(1, threads)
    }

    /// The virtual time reached.
    public var now: SimTime { state.now }

    /// Delivers every event and applies every control action earlier than `limit`, then sets the clock to
    /// `limit` (unless paused or idle earlier). `shouldStop` is polled with the current virtual time between
    /// windows (or every few thousand events when sequential), so a pause from another thread takes effect
    /// promptly. It must not touch the simulation (the run holds it).
    @inlinable @discardableResult
    public func run(until limit: SimTime, shouldStop: (_ now: SimTime) -> Bool = { _ in false }) -> RunStop {
        let stop = threads == 1
            ? state.runSequential(until: limit, shouldStop: shouldStop, logSink: logSink)
            : executor.run(&state, threads: min(threads, WindowWorkers.usefulThreads), until: limit, shouldStop: shouldStop,
                           logSink: logSink)
        if stop == .reachedTime || stop == .idle, limit != .never { state._now = max(state._now, limit) }
        state.flushLogs(before: stop == .paused ? state.now : .never, sink: logSink)
        return stop
    }

    /// Delivers every event and applies every control action at or before `limit` (those at exactly `limit`
    /// included), then sets the clock to `limit` unless paused earlier: what "run to the end of the round"
    /// means, so that a round ending at 10 s includes what happens at 10 s (a rechoke, an injection).
    @discardableResult
    public func run(through limit: SimTime, shouldStop: (_ now: SimTime) -> Bool = { _ in false }) -> RunStop {
        guard limit != .never else { return run(until: limit, shouldStop: shouldStop) }
        // Times are whole nanoseconds: "before limit + 1 ns" is "at or before limit", and nothing can have
        // happened in between, so the clock can stand at `limit`.
        let stop = run(until: limit + .nanoseconds(1), shouldStop: shouldStop)
        if state._now > limit { state._now = limit }
        return stop
    }

    /// Delivers exactly one event, or applies one control action if it comes first. Returns false when idle.
    @discardableResult
    public func step() -> Bool {
        let stepped = state.stepOne()
        state.flushLogs(before: .never, sink: logSink)
        return stepped
    }

    /// The time of whatever happens next, event or control action.
    public var nextTime: SimTime? {
        switch (state.heap.min?.time, state.controls.min?.time) {
        case (nil, nil): return nil
        case (let e?, nil): return e
        case (nil, let c?): return c
        case (let e?, let c?): return min(e, c)
        }
    }
}

// MARK: Sequential executor

extension SimState {
    @inlinable func makeContext() -> NodeContext<Model.Message> {
        NodeContext(now: now, node: 0, random: SimRandom(seed: 0), seq: 0, logSeq: 0, lookahead: model.lookahead)
    }

    @usableFromInline mutating func stepOne() -> Bool {
        let nextEvent = heap.min?.time, nextControl = controls.min?.time
        if let c = nextControl, nextEvent.map({ c <= $0 }) ?? true {
            applyNextControl()
            return true
        }
        guard nextEvent != nil else { return false }
        var ctx = makeContext()
        deliverNext(&ctx, model: model)
        pushOutbox(&ctx)
        return true
    }

    /// Pops and delivers the next event.
    @inlinable @inline(__always)
    mutating func deliverNext(_ ctx: inout NodeContext<Model.Message>, model: Model) {
        guard let e = heap.popMin() else { return }
        let n = Int(e.target)
        _now = e.time
        ctx._now = e.time
        ctx._node = n
        var slot = _slots[n]
        ctx.random = slot.random
        ctx.seq = slot.seq
        ctx.logSeq = slot.logSeq
        slot.fingerprint = fingerprintStep(slot.fingerprint, e, model.digest(e.message))
        slot.delivered &+= 1
        model.handle(e.message, node: &nodes[n], context: &ctx)
        slot.random = ctx.random
        slot.seq = ctx.seq
        slot.logSeq = ctx.logSeq
        _slots[n] = slot
    }

    @inlinable @inline(__always)
    mutating func pushOutbox(_ ctx: inout NodeContext<Model.Message>) {
        // Moved out one by one (no retain/release of payloads); keys are unique, so the order in which
        // they enter the heap cannot change the order in which they leave it.
        while let e = ctx.outbox.popLast() { heap.insert(e) }
        if !ctx.logs.isEmpty {
            pendingLogs.append(contentsOf: ctx.logs)
            ctx.logs.removeAll(keepingCapacity: true)
        }
    }

    @inlinable
    mutating func runSequential(until limit: SimTime, shouldStop: (SimTime) -> Bool, logSink: ((LogEntry) -> Void)?) -> RunStop {
        var ctx = makeContext()
        var flushedBefore = now
        var budget = 4096
        var model = self.model  // control actions may change the model: refreshed after each
        var nextControl = controls.min?.time ?? .never
        while true {
            guard let t = heap.minTime else {
                if nextControl < limit {
                    applyNextControl(); model = self.model; nextControl = controls.min?.time ?? .never
                    continue
                }
                return .idle
            }
            if nextControl <= t && nextControl < limit {
                applyNextControl(); model = self.model; nextControl = controls.min?.time ?? .never
                continue
            }
            if t >= limit { return .reachedTime }
            if t > flushedBefore, !pendingLogs.isEmpty {
                flushLogs(before: t, sink: logSink)
                flushedBefore = t
            }
            deliverNext(&ctx, model: model)
            pushOutbox(&ctx)
            budget &-= 1
            if budget == 0 {
                budget = 4096
                if shouldStop(_now) { return .paused }
                // A control scheduled from another call (e.g. by the UI between runs) is picked up here too.
                nextControl = controls.min?.time ?? .never
            }
        }
    }
}

/// One step of a node's running fingerprint: mixes in the event's key and the message digest.
@inlinable @inline(__always)
func fingerprintStep<M>(_ h: UInt64, _ e: ScheduledEvent<M>, _ digest: UInt64) -> UInt64 {
    var x = h ^ UInt64(bitPattern: e.time.nanoseconds)
    x = SplitMix64.mix(x) ^ (UInt64(e.origin) << 32 | UInt64(truncatingIfNeeded: e.seq))
    return SplitMix64.mix(x ^ digest)
}

// MARK: Windowed parallel executor

/// One worker's share of the nodes (see `WindowExecutor.share`): their pending events, and what the
/// worker produced in the last window.
@usableFromInline struct WorkerPartition<Message> {
    /// Every pending event for this partition's nodes, except mail not yet collected.
    @usableFromInline var heap = EventHeap<Message>()
    @usableFromInline var logs: [LogEntry] = []
    @usableFromInline var latest = SimTime.zero
    /// The earliest event this partition mailed to another one in the last window (`.never` if none).
    @usableFromInline var mailedMin = SimTime.never
    /// Reused between windows (its outbox and log buffers keep their capacity).
    @usableFromInline var context: NodeContext<Message>
    /// Two cache lines of nothing, so that neighbouring workers' partitions, written on every event,
    /// never share a line.
    @usableFromInline var padding: (SIMD64<UInt8>, SIMD64<UInt8>) = (.zero, .zero)
    @usableFromInline init(lookahead: SimDuration) {
        context = NodeContext(now: .zero, node: 0, random: SimRandom(seed: 0), seq: 0, logSeq: 0, lookahead: lookahead)
    }
}

/// The windowed parallel executor: each worker owns a partition of the nodes with its own event heap, so
/// popping and scheduling run in parallel too; only events between partitions travel through mailboxes,
/// collected by their target at the start of the next window.
@usableFromInline struct WindowExecutor<Model: SimModel> {
    @usableFromInline var parts: [WorkerPartition<Model.Message>] = []
    /// Events between partitions: box `(parity * P + from) * P + to`. A window's events are written under
    /// its parity and collected by their target partition at the start of the next window.
    @usableFromInline var mail: [[ScheduledEvent<Model.Message>]] = []
    /// Threads for shares `1..<threads` (share 0 runs on the caller).
    @usableFromInline var workers: WindowWorkers?
    @usableFromInline init() {}

    /// log2 of the blocks of consecutive nodes dealt round-robin to the workers: 16 in a big simulation, so
    /// that workers do not write neighbouring nodes' slots (which share cache lines); 1 in a small one, so
    /// that every worker gets some. Any mapping gives the same run.
    @usableFromInline var blockShift = 0

    /// The partition of node `n`.
    @inlinable static func share(of n: Int, among count: Int, shift: Int) -> Int { (n >> shift) % count }

    @inlinable
    mutating func run(_ state: inout SimState<Model>, threads requested: Int, until limit: SimTime, shouldStop: (SimTime) -> Bool,
                      logSink: ((LogEntry) -> Void)?) -> RunStop {
        let threads = max(2, min(requested, WindowWorkers.maxThreads))
        let lookahead = state.model.lookahead
        if parts.count != threads || parts.first?.context.lookahead != lookahead {
            parts = Array(repeating: WorkerPartition(lookahead: lookahead), count: threads)
            mail = Array(repeating: [], count: 2 * threads * threads)
        }
        if workers?.helpers != threads - 1 { workers = WindowWorkers(helpers: threads - 1) }
        blockShift = state.nodes.count >= 256 ? 4 : 0
        split(&state)
        defer { join(&state) }
        var parity = 0
        while true {
            if shouldStop(state._now) { return .paused }
            let nextControl = state.controls.min?.time ?? .never
            var first = SimTime.never
            for p in parts.indices {
                if let t = parts[p].heap.minTime { first = min(first, t) }
                first = min(first, parts[p].mailedMin)
            }
            if first == .never {
                guard nextControl < limit else { return .idle }
                join(&state); state.applyNextControl(); split(&state)
                continue
            }
            if nextControl <= first && nextControl < limit {
                join(&state); state.applyNextControl(); split(&state)
                continue
            }
            if first >= limit { return .reachedTime }
            let end = min(first + lookahead, nextControl, limit)
            state._now = first
            parity ^= 1
            let latest = execute(&state, threads: threads, end: end, parity: parity)
            for p in parts.indices where !parts[p].logs.isEmpty {
                state.pendingLogs.append(contentsOf: parts[p].logs)
                parts[p].logs.removeAll(keepingCapacity: true)
            }
            state.flushLogs(before: end, sink: logSink)
            state._now = max(state._now, latest)
        }
    }

    /// Moves the state's pending events into the partitions.
    @inlinable mutating func split(_ state: inout SimState<Model>) {
        let count = parts.count
        var shares = Array(repeating: [ScheduledEvent<Model.Message>](), count: count)
        for e in state.heap.drain() { shares[Self.share(of: Int(e.target), among: count, shift: blockShift)].append(e) }
        for p in parts.indices {
            parts[p].heap = EventHeap(shares[p])
            parts[p].mailedMin = .never
        }
    }

    /// Moves every pending event (partitions and mail) back into the state, which then holds the whole run.
    @inlinable mutating func join(_ state: inout SimState<Model>) {
        var all = state.heap.drain()
        for p in parts.indices {
            all.append(contentsOf: parts[p].heap.drain())
            parts[p].mailedMin = .never
        }
        for b in mail.indices where !mail[b].isEmpty {
            all.append(contentsOf: mail[b])
            mail[b].removeAll(keepingCapacity: true)
        }
        state.heap = EventHeap(all)
    }

    /// Runs one window on every partition in parallel. Returns the latest event time.
    @inlinable
    mutating func execute(_ state: inout SimState<Model>, threads: Int, end: SimTime, parity: Int) -> SimTime {
        let model = state.model
        guard let workers else { preconditionFailure("the windowed executor runs with helper threads") }
        return state.nodes.withUnsafeMutableBufferPointer { nodesBuf in
            state._slots.withUnsafeMutableBufferPointer { slotsBuf in
                parts.withUnsafeMutableBufferPointer { partsBuf in
                    mail.withUnsafeMutableBufferPointer { mailBuf in
                        let shared = WindowPointers<Model>(nodes: nodesBuf, slots: slotsBuf, parts: partsBuf, mail: mailBuf)
                        let shift = blockShift
                        workers.run { w in Self.runPartition(w, shared, model: model, end: end, parity: parity, shift: shift) }
                        var latest = SimTime.zero
                        for p in partsBuf.indices { latest = max(latest, partsBuf[p].latest) }
                        return latest
                    }
                }
            }
        }
    }

    /// Worker `w`: collects the mail sent to its partition in the last window, then delivers its events
    /// earlier than `end` in key order. An event for another node takes at least the lookahead, so it
    /// lands at or after `end`: nothing sent in this window can be due in it, except a node's own timers.
    @inlinable
    static func runPartition(_ w: Int, _ p: WindowPointers<Model>, model: Model, end: SimTime, parity: Int, shift: Int) {
        let count = p.parts.count
        let part = p.parts.baseAddress! + w
        let mail = p.mail.baseAddress!, slots = p.slots.baseAddress!, nodes = p.nodes.baseAddress!
        for from in 0..<count {
            let box = mail + (((parity ^ 1) * count + from) * count + w)
            while let e = box.pointee.popLast() { part.pointee.heap.insert(e) }
        }
        part.pointee.mailedMin = .never
        var latest = SimTime.zero
        while let t = part.pointee.heap.minTime, t < end {
            guard let e = part.pointee.heap.popMin() else { break }
            let n = Int(e.target)
            precondition(n < p.nodes.count, "an event for node \(n) of \(p.nodes.count)")
            let slot = slots + n
            part.pointee.context._now = t
            part.pointee.context._node = n
            part.pointee.context.random = slot.pointee.random
            part.pointee.context.seq = slot.pointee.seq
            part.pointee.context.logSeq = slot.pointee.logSeq
            slot.pointee.fingerprint = fingerprintStep(slot.pointee.fingerprint, e, model.digest(e.message))
            slot.pointee.delivered &+= 1
            model.handle(e.message, node: &(nodes + n).pointee, context: &part.pointee.context)
            slot.pointee.random = part.pointee.context.random
            slot.pointee.seq = part.pointee.context.seq
            slot.pointee.logSeq = part.pointee.context.logSeq
            while let o = part.pointee.context.outbox.popLast() {
                let to = Self.share(of: Int(o.target), among: count, shift: shift)
                if to == w {
                    part.pointee.heap.insert(o)
                } else {
                    part.pointee.mailedMin = min(part.pointee.mailedMin, o.time)
                    (mail + ((parity * count + w) * count + to)).pointee.append(o)
                }
            }
            if !part.pointee.context.logs.isEmpty {
                part.pointee.logs.append(contentsOf: part.pointee.context.logs)
                part.pointee.context.logs.removeAll(keepingCapacity: true)
            }
            latest = t
        }
        part.pointee.latest = latest
    }
}

/// Raw buffers shared by the workers of one window.
///
/// `@unchecked Sendable` is safe here because, during `WindowWorkers.run`, worker `w` touches only:
/// `parts[w]`; the nodes and slots `n` with `share(of: n) == w` (every event it delivers targets its own
/// partition, and a handler touches only its own node); the mailboxes `(parity, w, to)` it writes and
/// `(parity ^ 1, from, w)` it empties. Those sets are disjoint between workers, and no mailbox is both
/// written and emptied in the same window. The buffers outlive the `run` call, which returns only after
/// every worker has finished (and its atomics order their writes before the caller's reads).
@usableFromInline struct WindowPointers<Model: SimModel>: @unchecked Sendable {
    @usableFromInline let nodes: UnsafeMutableBufferPointer<Model.Node>
    @usableFromInline let slots: UnsafeMutableBufferPointer<NodeSlot>
    @usableFromInline let parts: UnsafeMutableBufferPointer<WorkerPartition<Model.Message>>
    @usableFromInline let mail: UnsafeMutableBufferPointer<[ScheduledEvent<Model.Message>]>
    @inlinable init(nodes: UnsafeMutableBufferPointer<Model.Node>, slots: UnsafeMutableBufferPointer<NodeSlot>,
                    parts: UnsafeMutableBufferPointer<WorkerPartition<Model.Message>>,
                    mail: UnsafeMutableBufferPointer<[ScheduledEvent<Model.Message>]>) {
        self.nodes = nodes; self.slots = slots; self.parts = parts; self.mail = mail
    }
}
