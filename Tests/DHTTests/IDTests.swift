import Testing
import BitTorrent
import SimKernel
@testable import DHT

@Suite struct IDTests {
    @Test func bytesRoundTripAndOrder() throws {
        let bytes: [UInt8] = (0..<20).map { UInt8($0 * 13 & 0xFF) }
        let id = try #require(DHTID(bytes: bytes))
        #expect(id.bytes == bytes)
        #expect(DHTID(bytes: [1, 2, 3]) == nil)
        #expect(DHTID(id.sha1) == id)
        #expect(id.sha1.bytes == bytes)
        #expect(DHTID(hex: id.hex) == id)
        // Order is the byte order.
        var a = bytes, b = bytes
        a[19] = 1; b[19] = 2
        #expect(try #require(DHTID(bytes: a)) < #require(DHTID(bytes: b)))
        a[0] = 0xFF
        #expect(try #require(DHTID(bytes: b)) < #require(DHTID(bytes: a)))
    }

    @Test func xorDistanceAndPrefix() {
        var rng = SimRandom(seed: 7)
        for _ in 0..<200 {
            let a = DHTID.random(using: &rng), b = DHTID.random(using: &rng), c = DHTID.random(using: &rng)
            #expect(a ^ a == .zero)
            #expect(a.distance(to: b) == b.distance(to: a))
            // XOR distance is a metric with the "unidirectional" property; check the triangle inequality on integers' order proxy.
            #expect((a ^ b) ^ (b ^ c) == a ^ c)
            let p = a.commonPrefixLength(with: b)
            #expect(p == (a ^ b).leadingZeroBitCount)
            if p < 160 { #expect(a.bit(p) != b.bit(p)) }
            for i in 0..<min(p, 160) { #expect(a.bit(i) == b.bit(i)) }
        }
        #expect(DHTID.zero.commonPrefixLength(with: .zero) == 160)
        #expect(DHTID.zero.commonPrefixLength(with: DHTID.zero.flippingBit(100)) == 100)
        #expect(DHTID.zero.commonPrefixLength(with: DHTID.zero.flippingBit(159)) == 159)
    }

    @Test func randomIDInBucketRange() {
        var rng = SimRandom(seed: 3)
        let own = DHTID.random(using: &rng)
        for depth in [0, 1, 5, 63, 64, 65, 127, 128, 140, 159] {
            let r = own.randomID(sharingPrefix: depth, using: &rng)
            #expect(own.commonPrefixLength(with: r) == depth)
            let s = own.randomID(sharingPrefix: depth, exactly: false, using: &rng)
            #expect(own.commonPrefixLength(with: s) >= depth)
        }
    }

    @Test func shortBytes() throws {
        let t = try #require(ShortBytes([0x61, 0x61]))
        #expect(t.bytes == [0x61, 0x61])
        #expect(ShortBytes(integer: 0x6161, count: 2) == t)
        #expect(t.integer == 0x6161)
        let long: [UInt8] = Array(0..<20)
        #expect(try #require(ShortBytes(long)).bytes == long)
        #expect(ShortBytes(Array(repeating: 1, count: 21)) == nil)
        #expect(ShortBytes([]) == .empty)
    }

    @Test func derivedIDsAreDeterministic() {
        #expect(DHTID.derived(seed: 1, host: 5) == DHTID.derived(seed: 1, host: 5))
        #expect(DHTID.derived(seed: 1, host: 5) != DHTID.derived(seed: 1, host: 6))
        #expect(DHTID.derived(seed: 2, host: 5) != DHTID.derived(seed: 1, host: 5))
    }

    @Test func contactIsCompact() {
        #expect(MemoryLayout<Contact>.stride == 32)
        #expect(MemoryLayout<DHTLookupSample>.stride <= 24)
    }
}
