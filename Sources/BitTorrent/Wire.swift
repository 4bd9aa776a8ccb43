public import BitCollections
public import Network
public import SimKernel

/// The shape of a torrent as the simulation needs it: sizes and counts, and the info-hash that names it.
public struct TorrentInfo: Sendable, Hashable {
    /// Bytes per block (the unit of `request`/`piece`) by default: 16 KiB, as every mainline client uses.
    public static let blockSize = 16_384

    public var infoHash: SHA1Hash
    public var name: String
    public var totalLength: Int64
    public var pieceLength: Int
    public var pieceCount: Int
    /// Bytes asked for in one request (and sent in one `piece` message): `blockSize` unless a scenario
    /// trades detail for speed with larger requests (up to the piece length).
    public var blockLength: Int

    public init(_ metainfo: Metainfo, blockLength: Int = TorrentInfo.blockSize) {
        infoHash = metainfo.infoHash
        name = metainfo.name
        totalLength = Int64(metainfo.totalLength)
        pieceLength = metainfo.pieceLength
        pieceCount = metainfo.pieceCount
        self.blockLength = max(1, min(blockLength, metainfo.pieceLength))
    }

    /// Bytes in piece `i` (the last piece may be shorter).
    @inlinable public func pieceSize(_ i: Int) -> Int {
        i == pieceCount - 1 ? Int(totalLength - Int64(pieceLength) * Int64(pieceCount - 1)) : pieceLength
    }
    /// Blocks in piece `i`.
    @inlinable public func blockCount(_ i: Int) -> Int { (pieceSize(i) + blockLength - 1) / blockLength }
    /// Bytes in block `b` of piece `i`.
    @inlinable public func blockSize(_ i: Int, _ b: Int) -> Int { min(blockLength, pieceSize(i) - b * blockLength) }
}

/// Why a peer announces to the tracker (BEP 3 `event`).
public enum AnnounceEvent: UInt8, Sendable, Hashable, CustomStringConvertible {
    case none = 0, completed, started, stopped
    public var description: String { ["none", "completed", "started", "stopped"][Int(rawValue)] }
}

/// Everything BitTorrent applications say to each other: the tracker protocol (datagrams, as UDP
/// trackers do), the peer wire protocol (on connections), and the client–server baseline.
public enum BTMessage: Sendable, Hashable {
    // Tracker
    case announce(infoHash: SHA1Hash, peer: UInt32, port: UInt16, event: AnnounceEvent, left: Int64, numwant: Int)
    case announceReply(interval: SimDuration, peers: [Endpoint], seeders: Int, leechers: Int)
    case scrape(infoHash: SHA1Hash)
    case scrapeReply(seeders: Int, leechers: Int, completed: Int)
    // Peer wire (BEP 3)
    case handshake(infoHash: SHA1Hash, peer: UInt32)
    case bitfield(BitArray)
    case have(piece: Int32)
    case choke, unchoke, interested, notInterested
    case request(piece: Int32, block: Int32)
    case piece(piece: Int32, block: Int32, length: Int32)
    case cancel(piece: Int32, block: Int32)
    // Client–server baseline
    case get(offset: Int64, length: Int32)
    case data(offset: Int64, length: Int32)

    /// Bytes on the wire, headers of the message itself included (not IP/TCP), as BEP 3 and BEP 15 lay them out.
    public var wireSize: Int {
        switch self {
        case .announce: return 98 + 28
        case .announceReply(_, let peers, _, _): return 20 + 6 * peers.count + 28
        case .scrape: return 36 + 28
        case .scrapeReply: return 20 + 28
        case .handshake: return 68
        case .bitfield(let b): return 5 + (b.count + 7) / 8
        case .have: return 9
        case .choke, .unchoke, .interested, .notInterested: return 5
        case .request, .cancel: return 17
        case .piece(_, _, let length): return 13 + Int(length)
        case .get: return 200
        case .data(_, let length): return Int(length) + 20
        }
    }

    /// A stable digest for the run fingerprint.
    public var digest: UInt64 {
        switch self {
        case .announce(let h, let p, let port, let e, let left, _):
            return SplitMix64.mix(UInt64(h.bytes[0]) ^ UInt64(p) << 8 ^ UInt64(port) << 40 ^ UInt64(e.rawValue) << 60 ^ UInt64(bitPattern: left))
        case .announceReply(_, let peers, let s, let l):
            return peers.reduce(SplitMix64.mix(UInt64(s) << 32 | UInt64(l))) { SplitMix64.mix($0 ^ UInt64($1.address.raw) << 16 ^ UInt64($1.port)) }
        case .scrape: return 0x5C
        case .scrapeReply(let s, let l, let c): return SplitMix64.mix(UInt64(s) ^ UInt64(l) << 20 ^ UInt64(c) << 40)
        case .handshake(_, let p): return SplitMix64.mix(0x4A5 ^ UInt64(p))
        case .bitfield(let b): return SplitMix64.mix(0xB17 ^ UInt64(b.count) ^ UInt64(b.reduce(0) { $0 + ($1 ? 1 : 0) }) << 32)
        case .have(let p): return SplitMix64.mix(0x4A7E ^ UInt64(p))
        case .choke: return 1
        case .unchoke: return 2
        case .interested: return 3
        case .notInterested: return 4
        case .request(let p, let b): return SplitMix64.mix(0x12E ^ UInt64(p) << 16 ^ UInt64(b))
        case .piece(let p, let b, let l): return SplitMix64.mix(0x91EC ^ UInt64(p) << 16 ^ UInt64(b) ^ UInt64(l) << 40)
        case .cancel(let p, let b): return SplitMix64.mix(0xCA ^ UInt64(p) << 16 ^ UInt64(b))
        case .get(let o, let l): return SplitMix64.mix(0x6E7 ^ UInt64(o) ^ UInt64(l) << 40)
        case .data(let o, let l): return SplitMix64.mix(0xDA7A ^ UInt64(o) ^ UInt64(l) << 40)
        }
    }
}
