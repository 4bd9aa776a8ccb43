public import Network
public import SimKernel

/// A node's liveness as its routing table sees it (BEP 5).
public enum NodeState: String, Sendable, Hashable {
    /// Responded to one of our queries within the good window (15 min), or has ever responded and
    /// sent us a query within it — and has not failed since.
    case good
    /// Not heard from within the good window, or failed once.
    case questionable
    /// Failed to respond to `maxFailures` queries in a row.
    case bad
}

/// One routing-table entry: 32 bytes, no references (a table is a flat array of these).
public struct Contact: Hashable, Sendable, CustomStringConvertible {
    /// The node's 160-bit id.
    public var id: DHTID
    /// Its public IPv4 address.
    public var address: IPv4Address
    /// Its UDP port.
    public var port: UInt16
    /// Queries in a row it failed to answer.
    public var failures: UInt8
    @usableFromInline var flags: UInt8
    /// Last time (whole virtual seconds) it responded, or queried us after having responded once.
    public var lastActive: UInt32

    /// A contact last active at `lastActive` (whole virtual seconds); `replied`: it has answered a query of ours.
    @inlinable public init(id: DHTID, endpoint: Endpoint, lastActive: UInt32, replied: Bool = true) {
        self.id = id; self.address = endpoint.address; self.port = endpoint.port
        self.failures = 0; self.flags = replied ? 1 : 0; self.lastActive = lastActive
    }

    /// Filler for unused slots.
    @usableFromInline static let empty = Contact(id: .zero, endpoint: Endpoint(IPv4Address(raw: 0), 0), lastActive: 0, replied: false)

    /// `address:port`.
    public var endpoint: Endpoint { Endpoint(address, port) }
    /// Whether it ever responded to one of our queries.
    public var hasReplied: Bool { flags & 1 != 0 }
    /// The contact as KRPC carries it ("compact node info").
    public var compact: CompactNode { CompactNode(id: id, endpoint: endpoint) }
    public var description: String { "\(id.short)@\(endpoint)" }
}

/// Whole virtual seconds since the start of the run (contact timestamps).
@inlinable func seconds(_ t: SimTime) -> UInt32 { UInt32(clamping: t.nanoseconds / 1_000_000_000) }

/// A Kademlia routing table with BEP 5 semantics, as a value (copying it is a checkpoint).
///
/// Buckets are by common-prefix length with the own id: bucket `i < last` holds nodes whose first `i`
/// bits equal ours and whose bit `i` differs; the last bucket holds every node sharing at least
/// `last` bits — it is the one covering our own id, and the only one that splits (into "bit `last`
/// differs" and a new last bucket). A full bucket that does not cover our id takes a new node only by
/// replacing a bad one; if it has questionable nodes the caller should ping the least recently active
/// one and replace it if it fails (`InsertOutcome.pingQuestionable`); if all are good the new node is
/// dropped.
///
/// Storage is one flat array of `bucketCount × k` contact slots plus one small entry per bucket
/// (count, last changed): two allocations per table.
public struct RoutingTable: Sendable, Hashable {
    /// Our own id.
    public let own: DHTID
    /// Bucket capacity.
    public let k: Int
    /// A contact is good for this long after it was last active (BEP 5: 15 min).
    public var goodWindow: UInt32
    /// Failures in a row that make a contact bad.
    public var maxFailures: UInt8
    @usableFromInline var slots: [Contact]
    @usableFromInline var meta: [BucketMeta]

    @usableFromInline struct BucketMeta: Sendable, Hashable {
        @usableFromInline var count: UInt16
        @usableFromInline var lastChanged: UInt32
        @usableFromInline init(count: UInt16, lastChanged: UInt32) { self.count = count; self.lastChanged = lastChanged }
    }

    /// An empty table (one bucket covering the whole id space).
    public init(own: DHTID, k: Int = 8, goodWindow: SimDuration = .seconds(15 * 60), maxFailures: Int = 2, now: SimTime = .zero) {
        precondition(k >= 1 && k <= 1024, "k must be in 1...1024")
        self.own = own
        self.k = k
        self.goodWindow = UInt32(clamping: goodWindow.nanoseconds / 1_000_000_000)
        self.maxFailures = UInt8(clamping: max(1, maxFailures))
        slots = Array(repeating: .empty, count: k)
        meta = [BucketMeta(count: 0, lastChanged: seconds(now))]
    }

    // MARK: Reading

    /// Number of buckets.
    @inlinable public var bucketCount: Int { meta.count }
    /// Number of contacts.
    public var count: Int { meta.reduce(0) { $0 + Int($1.count) } }
    /// Whether the table has no contacts.
    public var isEmpty: Bool { meta.allSatisfy { $0.count == 0 } }
    /// Contacts over capacity (`bucketCount × k`), from 0 to 1.
    public var fill: Double { Double(count) / Double(bucketCount * k) }

    /// The contacts of bucket `b`.
    @inlinable public func bucket(_ b: Int) -> ArraySlice<Contact> {
        slots[b * k ..< b * k + Int(meta[b].count)]
    }

    /// Every contact, bucket by bucket.
    public var contacts: [Contact] { (0..<bucketCount).flatMap { bucket($0) } }

    /// When bucket `b` last changed (a node added, replaced, or responding).
    public func lastChanged(_ b: Int) -> SimTime { .seconds(Int64(meta[b].lastChanged)) }

    /// The bucket a node with this id belongs in.
    @inlinable public func bucketIndex(for id: DHTID) -> Int {
        min(own.commonPrefixLength(with: id), meta.count - 1)
    }

    /// The state of a contact at `now`.
    @inlinable public func state(of c: Contact, at now: UInt32) -> NodeState {
        if c.failures >= maxFailures { return .bad }
        if c.failures == 0, c.hasReplied, now &- c.lastActive < goodWindow || c.lastActive > now { return .good }
        return .questionable
    }

    /// The state of a contact at `now`.
    public func state(of c: Contact, at now: SimTime) -> NodeState { state(of: c, at: seconds(now)) }

    /// Where a contact is: its slot index.
    @inlinable func slot(of id: DHTID) -> Int? {
        let b = bucketIndex(for: id)
        let base = b * k
        for i in base ..< base + Int(meta[b].count) where slots[i].id == id { return i }
        return nil
    }

    /// The contact with this id, if present.
    public func contact(_ id: DHTID) -> Contact? { slot(of: id).map { slots[$0] } }

    /// Whether a node with this id could be added now (room, a split, or a bad node to replace), so that
    /// it is worth verifying with a ping.
    public func couldAccept(_ id: DHTID, at now: SimTime) -> Bool {
        guard id != own, slot(of: id) == nil else { return false }
        let b = bucketIndex(for: id)
        if Int(meta[b].count) < k || (b == meta.count - 1 && meta.count < 160) { return true }
        let t = seconds(now)
        return bucket(b).contains { state(of: $0, at: t) == .bad }
    }

    /// The `count` contacts closest to `target` by XOR distance, closest first, skipping bad ones.
    public func closest(to target: DHTID, count wanted: Int, at now: SimTime) -> [Contact] {
        var out: [Contact] = []
        closest(to: target, count: wanted, at: seconds(now), into: &out)
        return out
    }

    /// As `closest(to:count:at:)`, writing into `out` (cleared first).
    ///
    /// Visits only the buckets it needs. With `c` the common prefix length of our id and the target
    /// (capped at the last bucket), distances are ordered by groups: bucket `c` (agrees with the target on
    /// bit `c`), then the deeper buckets (differ from it first at bit `c`), then buckets `c − 1`, `c − 2`, …
    /// (differ first at bit `c − 1`, `c − 2`, …). Each group is sorted by distance only when it is reached.
    @inlinable public func closest(to target: DHTID, count wanted: Int, at now: UInt32, into out: inout [Contact]) {
        out.removeAll(keepingCapacity: true)
        guard wanted > 0 else { return }
        let last = meta.count - 1
        let c = min(own.commonPrefixLength(with: target), last)
        takeGroup(c...c, target: target, wanted: wanted, into: &out)
        if out.count < wanted && c < last { takeGroup((c + 1)...last, target: target, wanted: wanted, into: &out) }
        var b = c - 1
        while out.count < wanted && b >= 0 {
            takeGroup(b...b, target: target, wanted: wanted, into: &out)
            b -= 1
        }
    }

    /// Appends the usable contacts of `buckets`, closest to `target` first, up to `wanted` in `out`.
    @inlinable func takeGroup(_ buckets: ClosedRange<Int>, target: DHTID, wanted: Int, into out: inout [Contact]) {
        let start = out.count
        for b in buckets {
            let base = b * k
            for i in base ..< base + Int(meta[b].count) where slots[i].failures < maxFailures { out.append(slots[i]) }
        }
        if out.count - start > 1 { out[start...].sort { ($0.id ^ target) < ($1.id ^ target) } }
        if out.count > wanted { out.removeLast(out.count - wanted) }
    }

    /// Buckets not changed since `now - interval`, stalest first.
    public func staleBuckets(at now: SimTime, interval: SimDuration) -> [Int] {
        let t = seconds(now), window = UInt32(clamping: interval.nanoseconds / 1_000_000_000)
        return meta.indices.filter { t &- meta[$0].lastChanged >= window && meta[$0].lastChanged <= t }
            .sorted { (meta[$0].lastChanged, $0) < (meta[$1].lastChanged, $1) }
    }

    /// A random id in bucket `b`'s range (for a refresh lookup).
    public func randomID(inBucket b: Int, using rng: inout some RandomNumberGenerator) -> DHTID {
        own.randomID(sharingPrefix: b, exactly: b < meta.count - 1, using: &rng)
    }

    // MARK: Changing

    /// What `insert` did.
    public enum InsertOutcome: Sendable, Hashable {
        /// Already present: marked as having responded now.
        case refreshed
        /// Added (possibly after splitting the own bucket).
        case added
        /// Replaced the bad contact with this id.
        case replacedBad(DHTID)
        /// The bucket is full of good nodes (and does not cover our id): dropped.
        case dropped
        /// The bucket is full but this contact is questionable: ping it; if it fails, `replace` it.
        case pingQuestionable(Contact)
        /// The id is our own.
        case ownID
    }

    /// Records that the node `id` at `endpoint` responded to one of our queries at `now`, adding it if
    /// there is room (BEP 5 bucket rules).
    @discardableResult
    public mutating func insert(_ id: DHTID, endpoint: Endpoint, at now: SimTime) -> InsertOutcome {
        guard id != own else { return .ownID }
        let t = seconds(now)
        if let i = slot(of: id) {
            slots[i].failures = 0
            slots[i].flags |= 1
            slots[i].lastActive = t
            slots[i].address = endpoint.address
            slots[i].port = endpoint.port
            meta[i / k].lastChanged = t
            return .refreshed
        }
        var b = bucketIndex(for: id)
        while Int(meta[b].count) == k && b == meta.count - 1 && meta.count < 160 {
            split()
            b = bucketIndex(for: id)
        }
        let fresh = Contact(id: id, endpoint: endpoint, lastActive: t)
        if Int(meta[b].count) < k {
            slots[b * k + Int(meta[b].count)] = fresh
            meta[b].count += 1
            meta[b].lastChanged = t
            return .added
        }
        let base = b * k
        if let i = (base ..< base + k).first(where: { state(of: slots[$0], at: t) == .bad }) {
            let old = slots[i].id
            slots[i] = fresh
            meta[b].lastChanged = t
            return .replacedBad(old)
        }
        // Least recently active questionable contact.
        var candidate: Int?
        for i in base ..< base + k where state(of: slots[i], at: t) == .questionable {
            if candidate.map({ slots[i].lastActive < slots[$0].lastActive }) ?? true { candidate = i }
        }
        if let i = candidate { return .pingQuestionable(slots[i]) }
        return .dropped
    }

    /// Splits the last bucket (the one covering our own id) in two.
    @usableFromInline mutating func split() {
        let last = meta.count - 1
        let base = last * k
        slots.append(contentsOf: repeatElement(Contact.empty, count: k))
        meta.append(BucketMeta(count: 0, lastChanged: meta[last].lastChanged))
        var kept = 0
        for i in base ..< base + Int(meta[last].count) {
            let c = slots[i]
            if own.commonPrefixLength(with: c.id) > last {
                slots[base + k + Int(meta[last + 1].count)] = c
                meta[last + 1].count += 1
            } else {
                slots[base + kept] = c
                kept += 1
            }
        }
        meta[last].count = UInt16(kept)
    }

    /// Records that `id` queried us at `now`: a contact that has responded before stays good.
    /// Returns false if the id is not in the table.
    @discardableResult
    public mutating func noteQuery(from id: DHTID, at now: SimTime) -> Bool {
        guard let i = slot(of: id) else { return false }
        if slots[i].hasReplied && slots[i].failures == 0 { slots[i].lastActive = seconds(now) }
        return true
    }

    /// Records that `id` failed to answer a query. Returns its new state, or nil if it is not in the table.
    @discardableResult
    public mutating func recordFailure(_ id: DHTID, at now: SimTime) -> NodeState? {
        guard let i = slot(of: id) else { return nil }
        if slots[i].failures < .max { slots[i].failures += 1 }
        return state(of: slots[i], at: seconds(now))
    }

    /// Replaces the contact `old` (which failed) with a new node that responded at `now`.
    /// Returns false if `old` is gone or the new node is already present.
    @discardableResult
    public mutating func replace(_ old: DHTID, with id: DHTID, endpoint: Endpoint, at now: SimTime) -> Bool {
        guard let i = slot(of: old), slot(of: id) == nil, bucketIndex(for: id) == i / k else { return false }
        slots[i] = Contact(id: id, endpoint: endpoint, lastActive: seconds(now))
        meta[i / k].lastChanged = seconds(now)
        return true
    }

    /// Removes a contact. Returns whether it was present.
    @discardableResult
    public mutating func remove(_ id: DHTID) -> Bool {
        guard let i = slot(of: id) else { return false }
        let b = i / k
        let lastSlot = b * k + Int(meta[b].count) - 1
        slots[i] = slots[lastSlot]
        meta[b].count -= 1
        return true
    }

    /// Marks bucket `b` as changed at `now` (after a refresh lookup in its range).
    public mutating func touch(bucket b: Int, at now: SimTime) {
        guard meta.indices.contains(b) else { return }
        meta[b].lastChanged = seconds(now)
    }

    /// Removes every contact (a crash), keeping the id and parameters.
    public mutating func removeAll(at now: SimTime) {
        slots = Array(repeating: .empty, count: k)
        meta = [BucketMeta(count: 0, lastChanged: seconds(now))]
    }

    /// Checks the structural invariants (for tests): bucket sizes, ranges, no duplicates.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        if slots.count != meta.count * k { problems.append("slots \(slots.count) != buckets \(meta.count) × k \(k)") }
        var seen = Set<DHTID>()
        for b in 0..<meta.count {
            if Int(meta[b].count) > k { problems.append("bucket \(b) holds \(meta[b].count) > k") }
            for c in bucket(b) {
                let cpl = own.commonPrefixLength(with: c.id)
                if c.id == own { problems.append("own id in bucket \(b)") }
                if b < meta.count - 1 && cpl != b { problems.append("bucket \(b) holds \(c.id.short) with prefix \(cpl)") }
                if b == meta.count - 1 && cpl < b { problems.append("last bucket \(b) holds \(c.id.short) with prefix \(cpl)") }
                if !seen.insert(c.id).inserted { problems.append("duplicate \(c.id.short)") }
            }
        }
        return problems
    }
}

// MARK: - Warm start

extension RoutingTable {
    /// A table filled as if the node had been running in a static network of the given members: the
    /// result of inserting every member (all good), built directly.
    ///
    /// `sortedIDs` must be sorted ascending; `endpoints` are parallel to it. The own bucket splits while
    /// more than `k` members share its range (exactly as inserting them one by one would); every other
    /// bucket holds `min(k, members in its range)` members drawn at random with `rng` (a real node keeps
    /// whichever it met first: at random, as far as the id space is concerned).
    public static func warmStarted(own: DHTID, k: Int, sortedIDs: [DHTID], endpoints: [Endpoint], at now: SimTime,
                                   goodWindow: SimDuration = .seconds(15 * 60), maxFailures: Int = 2,
                                   using rng: inout some RandomNumberGenerator) -> RoutingTable {
        var table = RoutingTable(own: own, k: k, goodWindow: goodWindow, maxFailures: maxFailures, now: now)
        let t = seconds(now)
        // Members sharing at least d bits with us form a contiguous block of `sortedIDs`, nested in the
        // block for d − 1: find each by binary search inside the previous one. Bucket d (d < depth) is
        // the block for d minus the block for d + 1.
        var blocks: [Range<Int>] = [0..<sortedIDs.count]
        let ownIndex = lowerBound(sortedIDs, own, in: 0..<sortedIDs.count)
        let ownPresent = ownIndex < sortedIDs.count && sortedIDs[ownIndex] == own
        var depth = 0
        while depth < 159 && blocks[depth].count - (ownPresent ? 1 : 0) > k {
            let mask = DHTID.prefixMask(depth + 1)
            let low = own & mask, high = low | ~mask
            let outer = blocks[depth]
            let lo = lowerBound(sortedIDs, low, in: outer)
            var hi = lowerBound(sortedIDs, high, in: lo..<outer.upperBound)
            if hi < outer.upperBound && sortedIDs[hi] == high { hi += 1 }
            blocks.append(lo..<hi)
            depth += 1
        }
        table.slots = Array(repeating: Contact.empty, count: (depth + 1) * k)
        table.meta = Array(repeating: BucketMeta(count: 0, lastChanged: t), count: depth + 1)
        var picked: [Int] = []
        picked.reserveCapacity(k + 1)
        for b in 0...depth {
            picked.removeAll(keepingCapacity: true)
            if b == depth {
                picked.append(contentsOf: blocks[b])
            } else {
                // The part of block b outside block b + 1 (one side of it, since bit b differs from ours).
                let outer = blocks[b], inner = blocks[b + 1]
                let side = inner.lowerBound > outer.lowerBound ? outer.lowerBound..<inner.lowerBound : inner.upperBound..<outer.upperBound
                if side.count <= k {
                    picked.append(contentsOf: side)
                } else {
                    // Floyd's algorithm: k distinct indices of `side`, uniformly.
                    for j in (side.count - k)..<side.count {
                        let x = side.lowerBound + Int(rng.next() % UInt64(j + 1))
                        picked.append(picked.contains(x) ? side.lowerBound + j : x)
                    }
                    picked.sort()
                }
            }
            var n = 0
            for i in picked where sortedIDs[i] != own && n < k {
                table.slots[b * k + n] = Contact(id: sortedIDs[i], endpoint: endpoints[i], lastActive: t)
                n += 1
            }
            table.meta[b].count = UInt16(n)
        }
        return table
    }
}

/// The first index in `range` whose id is not less than `x` (`range.upperBound` if none).
@inlinable func lowerBound(_ a: [DHTID], _ x: DHTID, in range: Range<Int>) -> Int {
    var lo = range.lowerBound, hi = range.upperBound
    while lo < hi {
        let m = (lo + hi) / 2
        if a[m] < x { lo = m + 1 } else { hi = m }
    }
    return lo
}
