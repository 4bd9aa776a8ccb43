public import BitTorrent
public import SimKernel

/// A 160-bit Kademlia identifier: a node id or a key (an info-hash).
///
/// Stored as three big-endian words, so comparing `(hi, mid, lo)` compares the 20 bytes
/// lexicographically and XOR distance is three machine XORs. Named `DHTID` rather than `NodeID`
/// because `SimKernel.NodeID` already names a host index.
public struct DHTID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bytes 0–7.
    public var hi: UInt64
    /// Bytes 8–15.
    public var mid: UInt64
    /// Bytes 16–19.
    public var lo: UInt32

    /// Number of bytes in an id.
    public static let byteCount = 20
    /// Number of bits in an id.
    public static let bitCount = 160

    /// The id with these words: bytes 0–7, 8–15 and 16–19, big-endian.
    @inlinable public init(hi: UInt64, mid: UInt64, lo: UInt32) {
        self.hi = hi; self.mid = mid; self.lo = lo
    }

    /// The id `0000…0`.
    public static let zero = DHTID(hi: 0, mid: 0, lo: 0)
    /// The id `ffff…f` (the largest distance).
    public static let max = DHTID(hi: .max, mid: .max, lo: .max)

    /// The id with these 20 bytes, or nil if there are not exactly 20.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var hi: UInt64 = 0, mid: UInt64 = 0, lo: UInt32 = 0
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 0..<8: hi = hi << 8 | UInt64(byte)
            case 8..<16: mid = mid << 8 | UInt64(byte)
            default: lo = lo << 8 | UInt32(byte)
            }
        }
        self.init(hi: hi, mid: mid, lo: lo)
    }

    /// The id with the same 20 bytes as an info-hash.
    public init(_ hash: SHA1Hash) {
        // A SHA1Hash always has 20 bytes.
        let b = hash.bytes
        var hi: UInt64 = 0, mid: UInt64 = 0, lo: UInt32 = 0
        for i in 0..<8 { hi = hi << 8 | UInt64(b[i]) }
        for i in 8..<16 { mid = mid << 8 | UInt64(b[i]) }
        for i in 16..<20 { lo = lo << 8 | UInt32(b[i]) }
        self.init(hi: hi, mid: mid, lo: lo)
    }

    /// Parses 40 hexadecimal digits; nil otherwise.
    public init?(hex: String) {
        guard let hash = SHA1Hash(hex: hex) else { return nil }
        self.init(hash)
    }

    /// The same 20 bytes as an info-hash.
    public var sha1: SHA1Hash {
        guard let hash = SHA1Hash(bytes: bytes) else { preconditionFailure("a DHTID always has 20 bytes") }
        return hash
    }

    /// The 20 bytes, big-endian.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        append(to: &out)
        return out
    }

    /// Appends the 20 bytes to `out`.
    @inlinable public func append(to out: inout [UInt8]) {
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: hi >> UInt64(s))) }
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: mid >> UInt64(s))) }
        for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: lo >> UInt32(s))) }
    }

    /// A uniformly random id.
    @inlinable public static func random(using rng: inout some RandomNumberGenerator) -> DHTID {
        DHTID(hi: rng.next(), mid: rng.next(), lo: UInt32(truncatingIfNeeded: rng.next()))
    }

    /// The id a host gets in a run seeded with `seed` when it is assigned before the run starts (warm start):
    /// drawn from a stream derived from the seed and the host, independent of the host's event stream.
    public static func derived(seed: UInt64, host: NodeID) -> DHTID {
        var rng = SimRandom(seed: seed ^ 0x0D47_D47D_47D4_7D47, stream: UInt64(host))
        return random(using: &rng)
    }

    /// XOR: the Kademlia distance between two ids.
    @inlinable public static func ^ (a: DHTID, b: DHTID) -> DHTID {
        DHTID(hi: a.hi ^ b.hi, mid: a.mid ^ b.mid, lo: a.lo ^ b.lo)
    }

    /// Bitwise AND (for prefix masks).
    @inlinable public static func & (a: DHTID, b: DHTID) -> DHTID {
        DHTID(hi: a.hi & b.hi, mid: a.mid & b.mid, lo: a.lo & b.lo)
    }

    /// Bitwise OR.
    @inlinable public static func | (a: DHTID, b: DHTID) -> DHTID {
        DHTID(hi: a.hi | b.hi, mid: a.mid | b.mid, lo: a.lo | b.lo)
    }

    /// Bitwise NOT.
    @inlinable public static prefix func ~ (a: DHTID) -> DHTID {
        DHTID(hi: ~a.hi, mid: ~a.mid, lo: ~a.lo)
    }

    /// The XOR distance to `other` (as an unsigned 160-bit number: compare with `<`).
    @inlinable public func distance(to other: DHTID) -> DHTID { self ^ other }

    /// How many leading bits this id shares with `other` (160 if equal).
    @inlinable public func commonPrefixLength(with other: DHTID) -> Int {
        let x = self ^ other
        if x.hi != 0 { return x.hi.leadingZeroBitCount }
        if x.mid != 0 { return 64 + x.mid.leadingZeroBitCount }
        if x.lo != 0 { return 128 + x.lo.leadingZeroBitCount }
        return 160
    }

    /// Leading zero bits (160 for zero): the common prefix length of two ids is that of their distance.
    @inlinable public var leadingZeroBitCount: Int {
        if hi != 0 { return hi.leadingZeroBitCount }
        if mid != 0 { return 64 + mid.leadingZeroBitCount }
        if lo != 0 { return 128 + lo.leadingZeroBitCount }
        return 160
    }

    /// Bit `index` (0 = most significant).
    @inlinable public func bit(_ index: Int) -> Bool {
        precondition(index >= 0 && index < 160, "bit index out of range")
        if index < 64 { return hi >> UInt64(63 - index) & 1 == 1 }
        if index < 128 { return mid >> UInt64(127 - index) & 1 == 1 }
        return lo >> UInt32(159 - index) & 1 == 1
    }

    /// This id with bit `index` flipped.
    @inlinable public func flippingBit(_ index: Int) -> DHTID {
        precondition(index >= 0 && index < 160, "bit index out of range")
        var r = self
        if index < 64 { r.hi ^= 1 << UInt64(63 - index) } else if index < 128 { r.mid ^= 1 << UInt64(127 - index) } else { r.lo ^= 1 << UInt32(159 - index) }
        return r
    }

    /// The id whose first `length` bits are ones and the rest zeros.
    @inlinable public static func prefixMask(_ length: Int) -> DHTID {
        let l = Swift.max(0, Swift.min(160, length))
        func ones64(_ n: Int) -> UInt64 { n <= 0 ? 0 : n >= 64 ? .max : ~(UInt64.max >> UInt64(n)) }
        func ones32(_ n: Int) -> UInt32 { n <= 0 ? 0 : n >= 32 ? .max : ~(UInt32.max >> UInt32(n)) }
        return DHTID(hi: ones64(l), mid: ones64(l - 64), lo: ones32(l - 128))
    }

    /// A random id sharing exactly the first `length` bits with this one (bit `length` differs), for
    /// refreshing the bucket at depth `length`; with `exactly: false` it only shares the first `length` bits.
    public func randomID(sharingPrefix length: Int, exactly: Bool = true, using rng: inout some RandomNumberGenerator) -> DHTID {
        let mask = DHTID.prefixMask(length)
        var id = (self & mask) | (DHTID.random(using: &rng) & ~mask)
        if exactly, length < 160, id.bit(length) == bit(length) { id = id.flippingBit(length) }
        return id
    }

    /// Orders ids as unsigned 160-bit numbers, so XOR distances compare as Kademlia needs.
    @inlinable public static func < (a: DHTID, b: DHTID) -> Bool {
        if a.hi != b.hi { return a.hi < b.hi }
        if a.mid != b.mid { return a.mid < b.mid }
        return a.lo < b.lo
    }

    /// A 64-bit digest (for fingerprints).
    @inlinable public var digest: UInt64 { SplitMix64.mix(hi ^ SplitMix64.mix(mid ^ UInt64(lo) << 7)) }

    /// 40 lowercase hexadecimal digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 8 hex digits (for logs and displays).
    public var short: String { String(hex.prefix(8)) }

    public var description: String { hex }
}

/// Up to 20 bytes kept inline (no allocation): KRPC transaction ids and tokens.
public struct ShortBytes: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt32
    /// Number of bytes (0…20).
    public let count: UInt8

    /// The most bytes a `ShortBytes` holds.
    public static let capacity = 20

    /// No bytes.
    public static let empty = ShortBytes(w0: 0, w1: 0, w2: 0, count: 0)

    @usableFromInline init(w0: UInt64, w1: UInt64, w2: UInt32, count: UInt8) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.count = count
    }

    /// These bytes, or nil if there are more than 20.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count <= Self.capacity else { return nil }
        var words: (UInt64, UInt64, UInt32) = (0, 0, 0)
        for (i, b) in bytes.enumerated() {
            switch i {
            case 0..<8: words.0 |= UInt64(b) << UInt64(56 - 8 * i)
            case 8..<16: words.1 |= UInt64(b) << UInt64(56 - 8 * (i - 8))
            default: words.2 |= UInt32(b) << UInt32(24 - 8 * (i - 16))
            }
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, count: UInt8(bytes.count))
    }

    /// The `count` low-order bytes of `value`, big-endian (e.g. a 2-byte transaction id from a counter).
    public init(integer value: UInt64, count: Int) {
        let n = Swift.max(0, Swift.min(8, count))
        let v = n == 8 ? value : value & ((1 << UInt64(8 * n)) - 1)
        self.init(w0: n == 0 ? 0 : v << UInt64(64 - 8 * n), w1: 0, w2: 0, count: UInt8(n))
    }

    /// The first up to 8 bytes as a big-endian integer (the inverse of `init(integer:count:)`).
    public var integer: UInt64 {
        let n = Swift.min(Int(count), 8)
        return n == 0 ? 0 : w0 >> UInt64(64 - 8 * n)
    }

    /// Byte `i`.
    @inlinable public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < Int(count), "index out of range")
        switch i {
        case 0..<8: return UInt8(truncatingIfNeeded: w0 >> UInt64(56 - 8 * i))
        case 8..<16: return UInt8(truncatingIfNeeded: w1 >> UInt64(56 - 8 * (i - 8)))
        default: return UInt8(truncatingIfNeeded: w2 >> UInt32(24 - 8 * (i - 16)))
        }
    }

    /// The bytes.
    public var bytes: [UInt8] { (0..<Int(count)).map { self[$0] } }

    /// A 64-bit digest (for fingerprints).
    @inlinable public var digest: UInt64 { SplitMix64.mix(w0 ^ SplitMix64.mix(w1 ^ UInt64(w2) << 8 ^ UInt64(count))) }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return "<" + String(decoding: out, as: UTF8.self) + ">"
    }
}
