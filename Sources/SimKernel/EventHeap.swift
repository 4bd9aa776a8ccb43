/// The pending-event queue: an implicit 4-ary min-heap of `ScheduledEvent`s ordered by their unique key.
///
/// Why not swift-collections' `Heap`: it is a min-max heap (it can pop both ends), which costs about
/// twice the comparisons per pop of a plain min-heap, and the engine only ever needs the minimum. On
/// the engine benchmark, `Heap.popMin` took two thirds of the run time; this queue, with a branching
/// factor of 4 (a shallower tree, children adjacent in memory) and moving a hole instead of swapping,
/// roughly halves the cost of an event. `HeapModule` is still used for the (rare) control actions.
///
/// The heap itself holds only 32-byte plain entries (key, target, slot); the messages wait in a slab
/// beside it and are moved in once and out once. A network message is about 100 bytes with reference-
/// counted payloads, so sifting whole events moved kilobytes and retained/released payloads at every
/// level of every pop (a quarter of a swarm's run time); sifting entries is a few plain 32-byte moves.
public struct EventHeap<Message> {
    /// One heap node: the event's ordering key, its target, and where its message waits in the slab.
    @usableFromInline struct Entry {
        @usableFromInline var key: UInt128
        @usableFromInline var target: UInt32
        @usableFromInline var slot: UInt32
        @inlinable init(key: UInt128, target: UInt32, slot: UInt32) { self.key = key; self.target = target; self.slot = slot }
    }

    @usableFromInline var entries: [Entry] = []
    /// Messages by slot; nil where the slot is free.
    @usableFromInline var messages: [Message?] = []
    /// Free slots, reused last-in first-out (which slot a message gets never affects the order).
    @usableFromInline var freeSlots: [UInt32] = []

    /// An empty queue.
    @inlinable public init() {}

    /// Builds a heap from events in any order.
    @inlinable public init(_ events: [ScheduledEvent<Message>]) {
        entries.reserveCapacity(events.count)
        messages.reserveCapacity(events.count)
        for e in events {
            entries.append(Entry(key: e.key, target: e.target, slot: UInt32(messages.count)))
            messages.append(e.message)
        }
        guard entries.count > 1 else { return }
        for i in stride(from: (entries.count - 2) / 4, through: 0, by: -1) { siftDown(from: i) }
    }

    /// The number of pending events.
    @inlinable public var count: Int { entries.count }
    /// True when no event is pending.
    @inlinable public var isEmpty: Bool { entries.isEmpty }
    /// The earliest event, if any.
    @inlinable public var min: ScheduledEvent<Message>? {
        guard let top = entries.first, let m = messages[Int(top.slot)] else { return nil }
        return ScheduledEvent(key: top.key, target: top.target, message: m)
    }
    /// The time of the earliest event, if any (without copying its message).
    @inlinable public var minTime: SimTime? {
        entries.isEmpty ? nil : entries.withUnsafeBufferPointer { SimTime(nanoseconds: Int64(truncatingIfNeeded: UInt64(truncatingIfNeeded: $0[0].key >> 64))) }
    }
    /// Every pending event, in no particular order.
    @inlinable public var unordered: [ScheduledEvent<Message>] {
        entries.compactMap { e in messages[Int(e.slot)].map { ScheduledEvent(key: e.key, target: e.target, message: $0) } }
    }

    /// Adds an event (O(log n)); its message waits in a free slab slot.
    @inlinable public mutating func insert(_ event: consuming ScheduledEvent<Message>) {
        let slot: UInt32
        if let s = freeSlots.popLast() {
            slot = s
            messages[Int(s)] = event.message
        } else {
            slot = UInt32(messages.count)
            messages.append(event.message)
        }
        entries.append(Entry(key: event.key, target: event.target, slot: slot))
        entries.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            let x = h[i]
            while i > 0 {
                let parent = (i - 1) >> 2
                guard x.key < h[parent].key else { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = x
        }
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func popMin() -> ScheduledEvent<Message>? {
        guard let last = entries.popLast() else { return nil }
        let top: Entry
        if entries.isEmpty {
            top = last
        } else {
            top = entries.withUnsafeMutableBufferPointer { h in
                let top = h[0]
                Self.siftDown(h, from: 0, placing: last)
                return top
            }
        }
        freeSlots.append(top.slot)
        // Moved out of the slab, not copied: no retain/release of the payload.
        guard let m = messages[Int(top.slot)].take() else { preconditionFailure("event heap slot without a message") }
        return ScheduledEvent(key: top.key, target: top.target, message: m)
    }

    /// Removes every event, in no particular order, moving the messages out (no copies).
    @inlinable public mutating func drain() -> [ScheduledEvent<Message>] {
        var out: [ScheduledEvent<Message>] = []
        out.reserveCapacity(entries.count)
        for e in entries {
            guard let m = messages[Int(e.slot)].take() else { continue }
            out.append(ScheduledEvent(key: e.key, target: e.target, message: m))
        }
        entries.removeAll(keepingCapacity: true)
        messages.removeAll(keepingCapacity: true)
        freeSlots.removeAll(keepingCapacity: true)
        return out
    }

    @inlinable mutating func siftDown(from start: Int) {
        entries.withUnsafeMutableBufferPointer { h in Self.siftDown(h, from: start, placing: h[start]) }
    }

    /// Moves the hole at `start` down until `x` fits there.
    @inlinable static func siftDown(_ h: UnsafeMutableBufferPointer<Entry>, from start: Int, placing x: Entry) {
        let n = h.count
        var i = start
        while true {
            let first = 4 &* i &+ 1
            if first >= n { break }
            var best = first
            if first &+ 4 <= n {
                // Full set of four children: a branch-free tournament.
                let a = h[first].key < h[first &+ 1].key ? first : first &+ 1
                let b = h[first &+ 2].key < h[first &+ 3].key ? first &+ 2 : first &+ 3
                best = h[a].key < h[b].key ? a : b
            } else {
                var c = first &+ 1
                while c < n {
                    if h[c].key < h[best].key { best = c }
                    c &+= 1
                }
            }
            guard h[best].key < x.key else { break }
            h[i] = h[best]
            i = best
        }
        h[i] = x
    }
}

extension EventHeap: Sendable where Message: Sendable {}
extension EventHeap.Entry: Sendable {}
