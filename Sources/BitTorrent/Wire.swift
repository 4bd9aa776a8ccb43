public import BitCollections
public import Network
public import SimKernel

/// The shape of a torrent as the simulation needs it: sizes and counts, and the info-hash that names it.
public struct TorrentInfo: Sendable, Hashable {
    /// Bytes per block (the unit of `request`/`piece`) by default: 16 KiB, as every mainline client uses.
    public static let blockSize = 16_384

    /// The SHA-1 of the bencoded info dictionary: the torrent's name on the wire.
    public var infoHash: SHA1Hash
    /// The suggested file name from the metainfo.
    public var name: String
    /// The file's size in bytes.
    public var totalLength: Int64
    /// Bytes per piece (every piece but the last).
    public var pieceLength: Int
    /// The number of pieces (bits in a bitfield).
    public var pieceCount: Int
    /// Bytes asked for in one request (and sent in one `piece` message): `blockSize` unless a scenario
    /// trades detail for speed with larger requests (up to the piece length).
    public var blockLength: Int

    /// The torrent `metainfo` describes; `blockLength` is clamped to 1...pieceLength.
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
    /// `none` for a regular re-announce, `completed` once on finishing, `started` on joining, `stopped` on leaving.
    case none = 0, completed, started, stopped
    public var description: String { ["none", "completed", "started", "stopped"][Int(rawValue)] }
}

/// Everything BitTorrent applications say to each other: the tracker protocol (datagrams, as UDP
/// trackers do), the peer wire protocol (on connections), and the client–server baseline.
public enum BTMessage: Sendable, Hashable {
    // Tracker
    /// Tracker announce: `peer` is the sender's node id, `port` the port it listens on, `left` the bytes it
    /// still lacks (0 for a seed), `numwant` how many peers it wants (0: the tracker's default).
    case announce(infoHash: SHA1Hash, peer: UInt32, port: UInt16, event: AnnounceEvent, left: Int64, numwant: Int)
    /// The tracker's answer: when to announce again, a random sample of other peers' public endpoints, and swarm counts.
    case announceReply(interval: SimDuration, peers: [Endpoint], seeders: Int, leechers: Int)
    /// Asks the tracker for a swarm's counts (BEP 15 scrape).
    case scrape(infoHash: SHA1Hash)
    /// A swarm's seeders and leechers now, and its completions since the tracker last started.
    case scrapeReply(seeders: Int, leechers: Int, completed: Int)
    // Peer wire (BEP 3)
    /// The first message on a connection: the torrent, and the sender's peer id (its host's node id,
    /// standing in for BEP 3's 20-byte id).
    case handshake(infoHash: SHA1Hash, peer: UInt32)
    /// The pieces the sender has, one bit per piece; sent after the handshake if it has any.
    case bitfield(BitArray)
    /// The sender has just completed this piece.
    case have(piece: Int32)
    /// BEP 3 state changes: the sender chokes or unchokes the receiver, or becomes interested or not in its pieces.
    case choke, unchoke, interested, notInterested
    /// Asks for one block: `block` is its index within the piece (offset `block × blockLength`), not a byte offset.
    case request(piece: Int32, block: Int32)
    /// One block's data: only its `length` in bytes is carried, not the bytes themselves.
    case piece(piece: Int32, block: Int32, length: Int32)
    /// Withdraws a request (in endgame, once the block came from another neighbour).
    case cancel(piece: Int32, block: Int32)
    // Client–server baseline
    /// Baseline: asks the file server for `length` bytes at byte `offset`.
    case get(offset: Int64, length: Int32)
    /// Baseline: the server's reply, standing for `length` bytes at byte `offset`.
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
