public import Network
public import SimKernel

/// The peers a DHT node stores for info-hashes (from `announce_peer`), each with an expiry time.
///
/// A value: keys sorted by info-hash in one array, peers per key in a small array.
public struct PeerStore: Sendable, Hashable {
    @usableFromInline struct Peer: Sendable, Hashable {
        @usableFromInline var address: IPv4Address
        @usableFromInline var port: UInt16
        /// Whole virtual seconds.
        @usableFromInline var expires: UInt32
    }
    @usableFromInline struct Key: Sendable, Hashable {
        @usableFromInline var infoHash: DHTID
        @usableFromInline var peers: [Peer]
    }
    @usableFromInline var keys: [Key] = []

    /// An empty store.
    public init() {}

    /// Number of info-hashes stored.
    public var keyCount: Int { keys.count }
    /// Number of (info-hash, peer) entries stored.
    public var peerCount: Int { keys.reduce(0) { $0 + $1.peers.count } }
    /// The stored info-hashes, sorted.
    public var infoHashes: [DHTID] { keys.map(\.infoHash) }

    func index(of h: DHTID) -> (found: Bool, at: Int) {
        var lo = 0, hi = keys.count
        while lo < hi {
            let m = (lo + hi) / 2
            if keys[m].infoHash < h { lo = m + 1 } else { hi = m }
        }
        return (lo < keys.count && keys[lo].infoHash == h, lo)
    }

    /// Stores (or refreshes) `peer` for `infoHash` until `now + ttl`. Returns false if a limit was hit.
    @discardableResult
    public mutating func store(_ peer: Endpoint, for infoHash: DHTID, at now: SimTime, ttl: SimDuration,
                               maxPeersPerKey: Int = 100, maxKeys: Int = 10_000) -> Bool {
        let expires = seconds(now + ttl)
        let (found, i) = index(of: infoHash)
        if !found {
            guard keys.count < maxKeys else { return false }
            keys.insert(Key(infoHash: infoHash, peers: [Peer(address: peer.address, port: peer.port, expires: expires)]), at: i)
            return true
        }
        if let j = keys[i].peers.firstIndex(where: { $0.address == peer.address && $0.port == peer.port }) {
            keys[i].peers[j].expires = expires
            return true
        }
        guard keys[i].peers.count < maxPeersPerKey else { return false }
        keys[i].peers.append(Peer(address: peer.address, port: peer.port, expires: expires))
        return true
    }

    /// Up to `limit` unexpired peers for `infoHash`, most recently stored last (in storing order).
    public func peers(for infoHash: DHTID, at now: SimTime, limit: Int = .max) -> [Endpoint] {
        let (found, i) = index(of: infoHash)
        guard found else { return [] }
        let t = seconds(now)
        var out: [Endpoint] = []
        for p in keys[i].peers where p.expires > t {
            out.append(Endpoint(p.address, p.port))
            if out.count == limit { break }
        }
        return out
    }

    /// Drops expired entries.
    public mutating func expire(at now: SimTime) {
        let t = seconds(now)
        guard keys.contains(where: { $0.peers.contains { $0.expires <= t } }) else { return }
        for i in keys.indices { keys[i].peers.removeAll { $0.expires <= t } }
        keys.removeAll { $0.peers.isEmpty }
    }

    /// Removes everything (a crash).
    public mutating func removeAll() { keys = [] }
}

/// BEP 5 announce tokens without per-requester state: a token is a hash of the requester's address and
/// a secret that changes every `rotation` (5 min); tokens of the current and the previous secret are
/// accepted, so a token is honoured for 5 to 10 minutes after it was issued.
public struct TokenIssuer: Sendable, Hashable {
    /// The node's secret seed (drawn at start).
    public var secret: UInt64
    /// How often the secret changes.
    public var rotation: SimDuration
    /// Token length in bytes (1…8).
    public var length: Int

    /// An issuer with this secret; `length` is clamped to 1...8 bytes.
    public init(secret: UInt64, rotation: SimDuration = .seconds(300), length: Int = 4) {
        self.secret = secret; self.rotation = rotation; self.length = max(1, min(8, length))
    }

    /// The secret's epoch at `now` (each node rotates at its own phase).
    @inlinable public func epoch(at now: SimTime) -> Int64 {
        let r = max(1, rotation.nanoseconds)
        return (now.nanoseconds + Int64(secret % UInt64(r))) / r
    }

    /// The token for `address` in `epoch`.
    @inlinable public func token(for address: IPv4Address, epoch: Int64) -> ShortBytes {
        let h = SplitMix64.mix(secret ^ SplitMix64.mix(UInt64(address.raw) ^ UInt64(bitPattern: epoch) << 32))
        return ShortBytes(integer: h, count: length)
    }

    /// The token to hand to `address` now.
    public func issue(for address: IPv4Address, at now: SimTime) -> ShortBytes {
        token(for: address, epoch: epoch(at: now))
    }

    /// Whether `token` was issued to `address` under the current or the previous secret.
    public func accepts(_ token: ShortBytes, from address: IPv4Address, at now: SimTime) -> Bool {
        let e = epoch(at: now)
        return token == self.token(for: address, epoch: e) || token == self.token(for: address, epoch: e - 1)
    }
}
