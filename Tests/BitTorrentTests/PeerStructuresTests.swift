import Testing
import Network
import SimKernel
@testable import BitTorrent

/// The word-packed piece set and the sorted neighbour table behind `BTPeer`.
@Suite struct PeerStructuresTests {
    @Test func pieceBitsAgreeWithABoolArray() {
        var rng = SimRandom(seed: 5)
        for count in [1, 63, 64, 65, 130, 382] {
            var bits = PieceBits(count: count)
            var reference = [Bool](repeating: false, count: count)
            for _ in 0..<(count * 2) {
                let p = Int(rng.next() % UInt64(count))
                let v = rng.chance(0.6)
                bits[p] = v
                reference[p] = v
            }
            #expect((0..<count).allSatisfy { bits[$0] == reference[$0] })
            var seen: [Int] = []
            bits.forEachSet { seen.append($0) }
            #expect(seen == reference.indices.filter { reference[$0] })
            #expect(PieceBits(count: count, all: true).words.reduce(0) { $0 + $1.nonzeroBitCount } == count)
        }
    }

    @Test func forEachNotInScansInOrderAndStops() {
        var a = PieceBits(count: 200), b = PieceBits(count: 200), c = PieceBits(count: 200)
        for p in stride(from: 0, to: 200, by: 3) { a[p] = true }
        for p in stride(from: 0, to: 200, by: 6) { b[p] = true }
        c[63] = true; c[129] = true
        var out: [Int] = []
        a.forEach(notIn: b, notIn: c) { out.append($0); return true }
        #expect(out == (0..<200).filter { $0 % 3 == 0 && $0 % 6 != 0 && $0 != 63 && $0 != 129 })
        var first: [Int] = []
        a.forEach(notIn: b, notIn: c) { first.append($0); return first.count < 2 }
        #expect(first == [3, 9])
    }

    @Test func neighborTableStaysSortedByConnectionID() {
        var rng = SimRandom(seed: 8)
        var table = NeighborTable()
        var reference: Set<UInt64> = []
        func neighbor(_ raw: UInt64) -> Neighbor {
            Neighbor(id: ConnectionID(raw: raw), remote: Endpoint(IPv4Address(raw: 1), 1), have: PieceBits(count: 8),
                     connectedAt: .zero, lastBlockAt: .zero, initiator: false)
        }
        for _ in 0..<2000 {
            let raw = rng.next() % 300
            if rng.chance(0.6) {
                table.insert(neighbor(raw))
                reference.insert(raw)
            } else if let i = table.index(of: ConnectionID(raw: raw)) {
                #expect(table.remove(at: i).id.raw == raw)
                reference.remove(raw)
            } else {
                #expect(!reference.contains(raw))
            }
            #expect(table.count == reference.count)
        }
        #expect(table.items.map(\.id.raw) == reference.sorted())
    }
}
