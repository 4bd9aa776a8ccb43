/// The pending-event queue: an implicit 4-ary min-heap of `ScheduledEvent`s ordered by their unique key.
///
/// Why not swift-collections' `Heap`: it is a min-max heap (it can pop both ends), which costs about
/// twice the comparisons per pop of a plain min-heap, and the engine only ever needs the minimum. On
/// the engine benchmark, `Heap.popMin` took two thirds of the run time; this queue, with a branching
/// factor of 4 (a shallower tree, children adjacent in memory) and moving a hole instead of swapping,
/// roughly halves the cost of an event. `HeapModule` is still used for the (rare) control actions.
public struct EventHeap<Message> {
    @usableFromInline var storage: [ScheduledEvent<Message>] = []

    @inlinable public init() {}

    /// Builds a heap from events in any order.
    @inlinable public init(_ events: [ScheduledEvent<Message>]) {
        storage = events
        guard storage.count > 1 else { return }
        for i in stride(from: (storage.count - 2) / 4, through: 0, by: -1) { siftDown(from: i) }
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }
    /// The earliest event, if any.
    @inlinable public var min: ScheduledEvent<Message>? { storage.first }
    /// The time of the earliest event, if any (without copying its message).
    @inlinable public var minTime: SimTime? { storage.isEmpty ? nil : storage.withUnsafeBufferPointer { $0[0].time } }
    /// Every pending event, in no particular order.
    @inlinable public var unordered: [ScheduledEvent<Message>] { storage }

    @inlinable public mutating func insert(_ event: ScheduledEvent<Message>) {
        storage.append(event)
        storage.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            let x = h[i]
            while i > 0 {
                let parent = (i - 1) >> 2
                guard x < h[parent] else { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = x
        }
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func popMin() -> ScheduledEvent<Message>? {
        guard let last = storage.popLast() else { return nil }
        if storage.isEmpty { return last }
        return storage.withUnsafeMutableBufferPointer { h in
            let top = h[0]
            Self.siftDown(h, from: 0, placing: last)
            return top
        }
    }

    @inlinable mutating func siftDown(from start: Int) {
        storage.withUnsafeMutableBufferPointer { h in Self.siftDown(h, from: start, placing: h[start]) }
    }

    /// Moves the hole at `start` down until `x` fits there.
    @inlinable static func siftDown(_ h: UnsafeMutableBufferPointer<ScheduledEvent<Message>>, from start: Int, placing x: ScheduledEvent<Message>) {
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
            guard h[best] < x else { break }
            h[i] = h[best]
            i = best
        }
        h[i] = x
    }
}

extension EventHeap: Sendable where Message: Sendable {}
