public import SimKernel

/// Traffic counters of one host. Everything a lab may want to count about what the network did.
public struct HostCounters: Sendable, Hashable, Codable {
    /// Packets put on the uplink, counted before any loss or drop on the way.
    public var packetsSent = 0
    /// Their total size in bytes, headers included.
    public var bytesSent: Int64 = 0
    /// Packets that passed the NAT (if any) and reached the host's stack.
    public var packetsReceived = 0
    /// Their total size in bytes, headers included.
    public var bytesReceived: Int64 = 0
    /// Datagrams lost on an access link (the link's loss probability).
    public var droppedLoss = 0
    /// Packets dropped because a link was down or the host was crashed or absent.
    public var droppedDown = 0
    /// Packets dropped by a partition between sender and receiver.
    public var droppedPartition = 0
    /// Packets to an address no host owns.
    public var droppedUnroutable = 0
    /// Inbound packets this host's NAT refused (unsolicited, filtered, or hairpin).
    public var droppedNAT = 0
    /// Connection attempts this host started (SYNs sent).
    public var connectionsOpened = 0
    /// Connections accepted on a listening port.
    public var connectionsAccepted = 0
    /// Connection attempts that timed out or were refused.
    public var connectionsFailed = 0
    /// All counters at zero.
    public init() {}

    /// The field-by-field sum (totals over several hosts).
    public static func + (a: Self, b: Self) -> Self {
        var r = a
        r.packetsSent += b.packetsSent; r.bytesSent += b.bytesSent
        r.packetsReceived += b.packetsReceived; r.bytesReceived += b.bytesReceived
        r.droppedLoss += b.droppedLoss; r.droppedDown += b.droppedDown; r.droppedPartition += b.droppedPartition
        r.droppedUnroutable += b.droppedUnroutable; r.droppedNAT += b.droppedNAT
        r.connectionsOpened += b.connectionsOpened; r.connectionsAccepted += b.connectionsAccepted
        r.connectionsFailed += b.connectionsFailed
        return r
    }
}

/// One end of a connection as a host keeps it.
public struct Connection: Sendable, Hashable {
    /// `connecting` until the initiator gets the SYN-ACK; an accepted connection starts `established`.
    public enum State: String, Sendable, Hashable { case connecting, established }
    /// The id both ends use (see `ConnectionID`).
    public var id: ConnectionID
    /// The port on this host (the private port when it is behind a NAT).
    public var localPort: UInt16
    /// The remote end's public endpoint.
    public var remote: Endpoint
    /// The remote host's node id, or -1 if no host owns the remote address.
    public var remoteHost: Int
    /// Whether the handshake has completed.
    public var state: State
    /// True at the end that opened the connection.
    public var initiator: Bool
    /// When this end's latest small segment reaches the remote host: the next one arrives no sooner, so a
    /// connection's small segments keep their order whatever their sizes (see `Internet.transmit`).
    public var lastSmallArrival = SimTime.zero
    /// The same for bulk segments (and a FIN waits for both).
    public var lastBulkArrival = SimTime.zero

    /// A connection as given; neither lane has sent anything yet.
    @inlinable public init(id: ConnectionID, localPort: UInt16, remote: Endpoint, remoteHost: Int, state: State, initiator: Bool) {
        self.id = id; self.localPort = localPort; self.remote = remote; self.remoteHost = remoteHost
        self.state = state; self.initiator = initiator
    }

    /// When a segment in the given lane, due at `arrival`, reaches the remote host: no sooner than the one
    /// before it in its lane (a FIN: in either lane).
    @inlinable func orderedArrival(_ arrival: SimTime, small: Bool, fin: Bool) -> SimTime {
        small ? max(arrival, lastSmallArrival) : max(arrival, lastBulkArrival, fin ? lastSmallArrival : .zero)
    }

    /// Delays `arrival` as `orderedArrival` does and records it as its lane's latest.
    @inlinable mutating func orderArrival(_ arrival: inout SimTime, small: Bool, fin: Bool) {
        arrival = orderedArrival(arrival, small: small, fin: fin)
        if small { lastSmallArrival = arrival } else { lastBulkArrival = arrival }
    }
}

/// An emulated host: its address, access link, optional NAT box in front of it, connections, and application.
public struct Host<App: HostApplication>: Sendable {
    /// The host's node id in the simulation.
    public let id: NodeID
    /// The host's own address: private when it sits behind `nat`.
    public let address: IPv4Address
    /// The NAT box in front of the host, or nil if the host has a public address.
    public var nat: NATBox?
    /// The access link: capacities (bits per second), latency and datagram loss.
    public var link: LinkSpec
    /// False while the access link is down.
    public var linkUp = true
    /// False while the host is crashed or has left (or has not joined yet).
    public var running = false
    /// The application the host runs.
    public var app: App
    /// What the network did for this host: packets, bytes, drops by reason, connections.
    public var counters = HostCounters()
    /// When the uplink and downlink (and their small-packet lanes, see `smallPacketBytes`) are free.
    public var uplinkFreeAt: SimTime { _uplinkFreeAt }
    /// The same for the downlink's bulk lane.
    public var downlinkFreeAt: SimTime { _downlinkFreeAt }
    @usableFromInline var _uplinkFreeAt = SimTime.zero
    @usableFromInline var _downlinkFreeAt = SimTime.zero
    @usableFromInline var uplinkSmallFreeAt = SimTime.zero
    @usableFromInline var downlinkSmallFreeAt = SimTime.zero
    /// When the bulk lane's current busy period began: the earliest entry of the packets it holds.
    @usableFromInline var downlinkBusySince = SimTime.zero
    /// Open connections by id (look-ups only: anything listed is sorted first).
    public var connections: [ConnectionID: Connection] {
        Dictionary(uniqueKeysWithValues: _connections.items.lazy.map { ($0.id, $0) })
    }
    @usableFromInline var _connections = ConnectionTable()
    /// Ports with a listener, sorted.
    public var listening: [UInt16] { _listening }
    @usableFromInline var _listening: [UInt16] = []
    @usableFromInline var nextConnection: UInt32 = 0
    @usableFromInline var nextPort: UInt16 = 32768
    /// Increases on every crash, so timers set before a crash are ignored after it.
    @usableFromInline var incarnation: UInt32 = 0

    /// A host that has not joined yet: `running` is false until a `join` control.
    public init(id: NodeID, address: IPv4Address, link: LinkSpec, nat: NATBox?, app: App) {
        self.id = id; self.address = address; self.link = link; self.nat = nat; self.app = app
    }

    /// The connections sorted by id (for display and reports).
    public var sortedConnections: [Connection] { _connections.items }
}

extension Array where Element == ConnectionID {
    /// Where `id` is in this ascending array, or where it would go (binary search). Tables keyed by
    /// connection id keep such an array beside their wide records: a few cache lines per search.
    @inlinable public func sortedSlot(of id: ConnectionID) -> Int {
        withUnsafeBufferPointer { ids in
            var lo = 0, hi = ids.count
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                if ids[mid] < id { lo = mid &+ 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// The position of `id` in this ascending array, if it is there.
    @inlinable public func sortedIndex(of id: ConnectionID) -> Int? {
        let i = sortedSlot(of: id)
        return i < count && self[i] == id ? i : nil
    }
}

/// A host's open connections, sorted by id: a look-up is a binary search over a few dozen plain
/// entries (no hashing), and listing them in id order needs no sort.
@usableFromInline struct ConnectionTable: Sendable {
    @usableFromInline var items: [Connection] = []
    /// The ids of `items`, in the same order: searched instead of the wide records, a few cache lines
    /// rather than one per probe (look-ups are most of the cost of an event in a big swarm).
    @usableFromInline var ids: [ConnectionID] = []

    @inlinable init() {}

    @inlinable var isEmpty: Bool { items.isEmpty }
    @inlinable var count: Int { items.count }

    /// Where `id` is, or where it would go.
    @inlinable func slot(_ id: ConnectionID) -> Int { ids.sortedSlot(of: id) }

    @inlinable func index(of id: ConnectionID) -> Int? { ids.sortedIndex(of: id) }

    /// The connection with this id; setting nil removes it, setting a value inserts or replaces it.
    @inlinable subscript(_ id: ConnectionID) -> Connection? {
        get { index(of: id).map { items[$0] } }
        set {
            let i = slot(id)
            let found = i < ids.count && ids[i] == id
            switch (newValue, found) {
            case (let c?, true): items[i] = c
            case (let c?, false): items.insert(c, at: i); ids.insert(id, at: i)
            case (nil, true): items.remove(at: i); ids.remove(at: i)
            case (nil, false): break
            }
        }
    }

    @inlinable @discardableResult mutating func removeValue(forKey id: ConnectionID) -> Connection? {
        guard let i = index(of: id) else { return nil }
        ids.remove(at: i)
        return items.remove(at: i)
    }
}
