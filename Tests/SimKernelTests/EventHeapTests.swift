import Testing
@testable import SimKernel

@Suite struct EventHeapTests {
    @Test func popsInKeyOrderUnderRandomInterleaving() {
        var rng = SimRandom(seed: 3)
        var heap = EventHeap<Int>()
        var reference: [ScheduledEvent<Int>] = []
        var popped: [ScheduledEvent<Int>] = []
        var expected: [ScheduledEvent<Int>] = []
        for i in 0..<20_000 {
            if rng.chance(0.6) || heap.isEmpty {
                // Few distinct times, so ties on time are common and the origin/sequence decide.
                let e = ScheduledEvent(time: SimTime(nanoseconds: Int64(rng.next() % 50)), origin: UInt32(rng.next() % 4),
                                       target: 0, seq: UInt64(i), message: i)
                heap.insert(e)
                reference.append(e)
            } else {
                reference.sort()
                expected.append(reference.removeFirst())
                popped.append(heap.popMin()!)
            }
        }
        #expect(popped.map(\.message) == expected.map(\.message))
        #expect(heap.count == reference.count)
    }

    @Test func keyPacksTimeOriginAndSequence() {
        let e = ScheduledEvent(time: SimTime(nanoseconds: 123), origin: 7, target: 1, seq: 99, message: ())
        #expect(e.time.nanoseconds == 123 && e.origin == 7 && e.seq == 99)
        let env = ScheduledEvent(time: .zero, origin: environmentOrigin, target: 1, seq: 1, message: ())
        #expect(env.origin == environmentOrigin)
        // The environment sorts after every node at the same instant.
        #expect(ScheduledEvent(time: .zero, origin: 1_000_000, target: 0, seq: 5, message: ()) < env)
    }

    @Test func heapifyMatchesSorting() {
        var rng = SimRandom(seed: 9)
        let events = (0..<1000).map { ScheduledEvent(time: SimTime(nanoseconds: Int64(rng.next() % 100)), origin: 0, target: 0, seq: UInt64($0), message: $0) }
        var heap = EventHeap(events)
        var out: [Int] = []
        while let e = heap.popMin() { out.append(e.message) }
        #expect(out == events.sorted().map(\.message))
    }
}
