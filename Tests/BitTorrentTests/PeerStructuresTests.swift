import Testing
@testable import Network
import SimKernel
import BitCollections
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

/// Messages arriving out of order on one connection: a HAVE is small and can overtake the bitfield sent
/// before it (a big torrent's bitfield is not a small packet).
@Suite struct PeerMessageOrderTests {
    @Test func aHaveThatOvertakesTheBitfieldIsKept() throws {
        let metainfo = try Metainfo.synthetic(name: "f", length: 2_000 * 16_384, pieceLength: 16_384)
        let torrent = TorrentInfo(metainfo)
        var peer = BTPeer(config: BTPeer.Config(torrent: torrent, tracker: nil))
        let remote = Endpoint(IPv4Address(raw: 0x0A00_0002), 6881)
        let id = ConnectionID(raw: 1 << 32 | 1)
        func deliver(_ event: AppEvent<BTMessage>) {
            var io = HostIO<BTMessage>(now: .zero, host: 0, random: SimRandom(seed: 1), nextConnection: 0, nextPort: 40000)
            peer.handle(event, io: &io)
        }
        deliver(.start)
        deliver(.accepted(id, remote: remote, port: 6881))
        deliver(.received(id, payload: .handshake(infoHash: torrent.infoHash, peer: 7), size: 68))
        deliver(.received(id, payload: .have(piece: 1_500), size: 9))
        var bits = BitArray(repeating: false, count: torrent.pieceCount)
        for p in 0..<10 { bits[p] = true }
        deliver(.received(id, payload: .bitfield(bits), size: 5 + torrent.pieceCount / 8))
        #expect(peer.availability[1_500] == 1, "the overtaking HAVE still counts")
        #expect((0..<10).allSatisfy { peer.availability[$0] == 1 })
        #expect(peer.availability.reduce(0) { $0 + Int($1) } == 11)
        // When the neighbour goes, every piece it was counted for is uncounted.
        deliver(.closed(id, .closedByRemote))
        #expect(peer.availability.allSatisfy { $0 == 0 })
    }
}
