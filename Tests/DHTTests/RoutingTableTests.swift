import Testing
import Network
import SimKernel
@testable import DHT

private func ep(_ i: Int) -> Endpoint { Endpoint(IPv4Address(raw: 0x6440_0000 &+ UInt32(i)), 6881) }

@Suite struct RoutingTableTests {
    /// Inserting many good nodes: buckets never exceed k, only the own bucket splits, every bucket but
    /// the last holds exactly min(k, nodes in its range), the last holds all nodes sharing its prefix.
    @Test(arguments: [1, 2, 8, 20])
    func splittingInvariants(k: Int) {
        var rng = SimRandom(seed: UInt64(k))
        let own = DHTID.random(using: &rng)
        var table = RoutingTable(own: own, k: k)
        var ids: [DHTID] = []
        for i in 0..<3000 {
            let id = DHTID.random(using: &rng)
            ids.append(id)
            table.insert(id, endpoint: ep(i), at: .seconds(1))
            if i % 250 == 0 { #expect(table.invariantViolations().isEmpty) }
        }
        // Some nodes very close to us, so the table splits deep.
        for i in 0..<40 {
            let id = own.randomID(sharingPrefix: 20 + i % 10, using: &rng)
            ids.append(id)
            table.insert(id, endpoint: ep(10_000 + i), at: .seconds(1))
        }
        #expect(table.invariantViolations() == [])
        let last = table.bucketCount - 1
        for b in 0..<last {
            let inRange = ids.filter { own.commonPrefixLength(with: $0) == b }.count
            #expect(table.bucket(b).count == min(k, inRange), "bucket \(b)")
        }
        let deep = ids.filter { own.commonPrefixLength(with: $0) >= last }.count
        #expect(table.bucket(last).count == deep)
        #expect(deep <= k)
        // The own bucket split as far as needed: the bucket before the last overflowed.
        #expect(ids.filter { own.commonPrefixLength(with: $0) >= last - 1 }.count > k)
    }

    @Test func warmStartEqualsInsertingEveryone() throws {
        var rng = SimRandom(seed: 5)
        let all = (0..<2000).map { _ in DHTID.random(using: &rng) }
        let sorted = all.sorted()
        let endpoints = sorted.indices.map(ep)
        for own in all.prefix(20) {
            var inserted = RoutingTable(own: own, k: 8)
            for (i, id) in sorted.enumerated() { inserted.insert(id, endpoint: endpoints[i], at: .zero) }
            var r = SimRandom(seed: 1)
            let warm = RoutingTable.warmStarted(own: own, k: 8, sortedIDs: sorted, endpoints: endpoints, at: .zero, using: &r)
            #expect(warm.invariantViolations() == [])
            #expect(warm.bucketCount == inserted.bucketCount)
            for b in 0..<warm.bucketCount { #expect(warm.bucket(b).count == inserted.bucket(b).count) }
            // Contacts carry the right endpoint and are good.
            for c in warm.contacts {
                let i = try #require(sorted.firstIndex(of: c.id))
                #expect(endpoints[i] == c.endpoint)
                #expect(warm.state(of: c, at: SimTime.seconds(60)) == .good)
            }
        }
    }

    @Test func nodeStatesFollowBEP5Timings() {
        var rng = SimRandom(seed: 9)
        let own = DHTID.random(using: &rng)
        var t = RoutingTable(own: own, k: 8)
        let a = DHTID.random(using: &rng)
        t.insert(a, endpoint: ep(1), at: .seconds(100))
        let c = { t.contact(a)! }
        #expect(t.state(of: c(), at: .seconds(100 + 14 * 60)) == .good)
        #expect(t.state(of: c(), at: .seconds(100 + 15 * 60)) == .questionable)
        // A query from a node that has answered before keeps it good.
        t.noteQuery(from: a, at: .seconds(100 + 20 * 60))
        #expect(t.state(of: c(), at: .seconds(100 + 30 * 60)) == .good)
        // One failure: questionable; two in a row: bad; an answer makes it good again.
        t.recordFailure(a, at: .seconds(2000))
        #expect(t.state(of: c(), at: .seconds(2000)) == .questionable)
        t.recordFailure(a, at: .seconds(2001))
        #expect(t.state(of: c(), at: .seconds(2001)) == .bad)
        #expect(t.closest(to: a, count: 8, at: .seconds(2001)).isEmpty)
        t.insert(a, endpoint: ep(1), at: .seconds(2002))
        #expect(t.state(of: c(), at: .seconds(2002)) == .good)
    }

    @Test func fullBucketReplacesBadThenAsksToPingQuestionable() {
        var rng = SimRandom(seed: 12)
        let own = DHTID.random(using: &rng)
        var t = RoutingTable(own: own, k: 2)
        // Fill bucket 0 (first bit differs) with two nodes; force a split first so bucket 0 cannot split.
        func far() -> DHTID { own.randomID(sharingPrefix: 0, using: &rng) }
        func near() -> DHTID { own.randomID(sharingPrefix: 5, using: &rng) }
        t.insert(near(), endpoint: ep(90), at: .seconds(10))
        t.insert(near(), endpoint: ep(91), at: .seconds(10))
        let a = far(), b = far()
        t.insert(a, endpoint: ep(1), at: .seconds(10))
        t.insert(b, endpoint: ep(2), at: .seconds(10))
        #expect(t.bucketIndex(for: a) == 0 && t.bucketCount > 1)
        #expect(t.insert(far(), endpoint: ep(3), at: .seconds(20)) == .dropped)  // all good
        // 15 min later both are questionable: ping the least recently active one.
        t.insert(b, endpoint: ep(2), at: .seconds(30))
        if case .pingQuestionable(let q) = t.insert(far(), endpoint: ep(4), at: .seconds(10 + 16 * 60)) {
            #expect(q.id == a)
        } else { Issue.record("expected a ping of the questionable node") }
        // Once a is bad, a newcomer replaces it.
        t.recordFailure(a, at: .seconds(2000)); t.recordFailure(a, at: .seconds(2000))
        let c = far()
        #expect(t.insert(c, endpoint: ep(5), at: .seconds(2001)) == .replacedBad(a))
        #expect(t.contact(a) == nil && t.contact(c) != nil)
        #expect(t.invariantViolations() == [])
    }

    @Test func staleBucketsAndRefreshIDs() {
        var rng = SimRandom(seed: 2)
        let own = DHTID.random(using: &rng)
        var t = RoutingTable(own: own, k: 8, now: .zero)
        for i in 0..<200 { t.insert(.random(using: &rng), endpoint: ep(i), at: .seconds(Int64(i))) }
        #expect(t.staleBuckets(at: .seconds(200), interval: .seconds(900)).isEmpty)
        let stale = t.staleBuckets(at: .seconds(200 + 900), interval: .seconds(900))
        #expect(!stale.isEmpty)
        for b in 0..<t.bucketCount {
            let id = t.randomID(inBucket: b, using: &rng)
            #expect(t.bucketIndex(for: id) == b)
        }
        t.touch(bucket: 0, at: .seconds(1100))
        #expect(!t.staleBuckets(at: .seconds(1100), interval: .seconds(900)).contains(0))
    }

    @Test func closestIsSortedByDistance() {
        var rng = SimRandom(seed: 4)
        let own = DHTID.random(using: &rng)
        var t = RoutingTable(own: own, k: 8)
        for i in 0..<500 { t.insert(.random(using: &rng), endpoint: ep(i), at: .zero) }
        for _ in 0..<50 {
            let target = DHTID.random(using: &rng)
            let got = t.closest(to: target, count: 8, at: .zero)
            let expected = t.contacts.sorted { ($0.id ^ target) < ($1.id ^ target) }.prefix(8)
            #expect(got.map(\.id) == expected.map(\.id))
        }
    }
}
