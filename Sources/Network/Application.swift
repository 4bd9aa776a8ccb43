public import SimKernel

/// Identifies a connection; both ends use the same id (the initiator's node in the high bits).
public struct ConnectionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The initiator's node id in the high 32 bits, its running count of connections in the low 32.
    public var raw: UInt64
    /// The id with this raw value (see `raw`).
    @inlinable public init(raw: UInt64) { self.raw = raw }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
    public var description: String { "c\(raw >> 32).\(raw & 0xffff_ffff)" }
}

/// Why a connection attempt failed or a connection ended.
public enum ConnectionEnd: String, Sendable, Hashable, CustomStringConvertible {
    /// No answer before the connect timeout: typically a NAT or a firewall dropped the SYN, or the host is down.
    case timeout
    /// The remote host answered that nothing listens on that port.
    case refused
    /// The remote end closed it.
    case closedByRemote = "closed-by-remote"
    /// This end closed it.
    case closedLocally = "closed-locally"
    /// This host crashed, left, or lost its link.
    case reset
    public var description: String { rawValue }
}

/// What the network delivers to a host's application.
public enum AppEvent<Payload: Sendable>: Sendable {
    /// The host has started (at its join time, or after a restart).
    case start
    /// A timer set with `HostIO.setTimer` fired.
    case timer(UInt64)
    /// A datagram arrived on `port` from `source` (the sender's public endpoint as this host sees it).
    case datagram(from: Endpoint, port: UInt16, payload: Payload, size: Int)
    /// A connection this host opened is established.
    case connected(ConnectionID, remote: Endpoint)
    /// A connection this host opened could not be established.
    case connectFailed(ConnectionID, remote: Endpoint, ConnectionEnd)
    /// A remote host connected to a port this host listens on.
    case accepted(ConnectionID, remote: Endpoint, port: UInt16)
    /// Data arrived on a connection.
    case received(ConnectionID, payload: Payload, size: Int)
    /// A connection ended.
    case closed(ConnectionID, ConnectionEnd)
}

/// An application running on an emulated host: a tracker, a peer, a DHT node, a ping responder…
///
/// Applications are values. They see the network only through `AppEvent`s and act only through
/// `HostIO`, so the network can apply access links and NATs to everything they do.
public protocol HostApplication: Sendable {
    /// What this application's datagrams and connection data carry.
    associatedtype Payload: Sendable
    /// Live commands the environment can give the application (e.g. "become a free-rider").
    associatedtype Command: Sendable = Never

    /// Handles one event.
    mutating func handle(_ event: AppEvent<Payload>, io: inout HostIO<Payload>)
    /// The host crashed: lose all volatile state (what a process loses when it is killed).
    mutating func crash()
    /// Applies a live command.
    mutating func command(_ command: Command, io: inout HostIO<Payload>)
    /// A stable digest of a payload for the run fingerprint.
    static func digest(_ payload: Payload) -> UInt64
}

extension HostApplication where Command == Never {
    /// An application without commands never receives one.
    public mutating func command(_ command: Never, io: inout HostIO<Payload>) {}
}

/// What an application asks its host to do; the network carries it out after the handler returns.
public enum HostAction<Payload: Sendable>: Sendable {
    /// Send a datagram of `size` bytes from local port `from` (see `HostIO.sendDatagram`).
    case datagram(from: UInt16, to: Endpoint, payload: Payload, size: Int)
    /// Open a connection from local port `from` (see `HostIO.connect`).
    case connect(ConnectionID, from: UInt16, to: Endpoint)
    /// Send `size` bytes on an established connection.
    case send(ConnectionID, payload: Payload, size: Int)
    /// Close a connection (a FIN to the remote end).
    case close(ConnectionID)
    /// Accept connections on a port.
    case listen(UInt16)
    /// Stop accepting connections on a port.
    case unlisten(UInt16)
    /// Deliver `.timer(token)` to the application after the delay.
    case timer(UInt64, after: SimDuration)
}

/// An application's view of its host during one event: the clock, randomness, and the network calls.
public struct HostIO<Payload: Sendable> {
    /// The current virtual time.
    public let now: SimTime
    /// The host this application runs on.
    public let host: NodeID
    /// This host's own random stream.
    public var random: SimRandom
    @usableFromInline var actions: [HostAction<Payload>] = []
    @usableFromInline var logs: [(String, [LogField])] = []
    @usableFromInline var nextConnection: UInt32
    @usableFromInline var nextPort: UInt16
    /// When the host's uplink will have sent all the bulk data (packets over `smallPacketBytes`) handed to
    /// it so far, this event's sends included. An application that paces its uploads, as a real client
    /// paces writes into a small socket send buffer, reads it to decide whether to hand over more now.
    public var uplinkBusyUntil: SimTime { _uplinkBusyUntil }
    @usableFromInline var _uplinkBusyUntil: SimTime
    /// The uplink's capacity, bits per second.
    public let uplinkBitsPerSecond: Int64

    @inlinable init(now: SimTime, host: NodeID, random: SimRandom, nextConnection: UInt32, nextPort: UInt16,
                    uplinkBusyUntil: SimTime = .zero, uplinkBitsPerSecond: Int64 = 1_000_000_000) {
        self.now = now; self.host = host; self.random = random; self.nextConnection = nextConnection; self.nextPort = nextPort
        self._uplinkBusyUntil = uplinkBusyUntil; self.uplinkBitsPerSecond = uplinkBitsPerSecond
    }

    /// Serialisation time of `bytes` on the uplink.
    @inlinable public func uplinkTime(bytes: Int) -> SimDuration { .transmission(bytes: bytes, bitsPerSecond: uplinkBitsPerSecond) }

    @inlinable mutating func queueOnUplink(_ size: Int) {
        guard size > smallPacketBytes else { return }
        _uplinkBusyUntil = max(now, _uplinkBusyUntil) + uplinkTime(bytes: size)
    }

    /// Sends a datagram of `size` bytes (headers included) from local `port` to `destination`.
    @inlinable public mutating func sendDatagram(_ payload: Payload, size: Int, from port: UInt16, to destination: Endpoint) {
        actions.append(.datagram(from: port, to: destination, payload: payload, size: size))
        queueOnUplink(size)
    }

    /// Opens a connection to `destination` from a fresh ephemeral port; `connected` or `connectFailed` follows.
    @inlinable public mutating func connect(to destination: Endpoint) -> ConnectionID {
        nextConnection &+= 1
        let id = ConnectionID(raw: UInt64(host) << 32 | UInt64(nextConnection))
        let port = nextPort
        nextPort = nextPort == .max ? 32768 : nextPort + 1
        actions.append(.connect(id, from: port, to: destination))
        return id
    }

    /// Sends `size` bytes of `payload` on an established connection (reliable, in order).
    @inlinable public mutating func send(_ payload: Payload, size: Int, on connection: ConnectionID) {
        actions.append(.send(connection, payload: payload, size: size))
        queueOnUplink(size)
    }

    /// Closes a connection; the remote end gets `closed(.closedByRemote)`.
    @inlinable public mutating func close(_ connection: ConnectionID) { actions.append(.close(connection)) }

    /// Accepts connections on `port`.
    @inlinable public mutating func listen(on port: UInt16) { actions.append(.listen(port)) }

    /// Stops accepting connections on `port`.
    @inlinable public mutating func stopListening(on port: UInt16) { actions.append(.unlisten(port)) }

    /// Sets a timer that delivers `.timer(token)` after `delay`.
    @inlinable public mutating func setTimer(_ token: UInt64, after delay: SimDuration) { actions.append(.timer(token, after: delay)) }

    /// Records a structured log entry at this host.
    @inlinable public mutating func log(_ kind: String, _ fields: [LogField] = []) { logs.append((kind, fields)) }
}

// MARK: Composing applications

extension AppEvent {
    /// The same event for an embedded application whose payloads are `Inner`; nil if the payload is not one of its own.
    @inlinable public func mapPayload<Inner: Sendable>(_ unwrap: (Payload) -> Inner?) -> AppEvent<Inner>? {
        switch self {
        case .start: return .start
        case .timer(let t): return .timer(t)
        case .datagram(let from, let port, let payload, let size):
            return unwrap(payload).map { .datagram(from: from, port: port, payload: $0, size: size) }
        case .connected(let id, let remote): return .connected(id, remote: remote)
        case .connectFailed(let id, let remote, let why): return .connectFailed(id, remote: remote, why)
        case .accepted(let id, let remote, let port): return .accepted(id, remote: remote, port: port)
        case .received(let id, let payload, let size): return unwrap(payload).map { .received(id, payload: $0, size: size) }
        case .closed(let id, let why): return .closed(id, why)
        }
    }
}

extension HostIO {
    /// Runs an embedded application whose payloads are `Inner`, wrapping what it sends with `wrap`.
    /// Lets a scenario compose several application types into one host application.
    @inlinable public mutating func embed<Inner: Sendable>(_ wrap: (Inner) -> Payload, _ body: (inout HostIO<Inner>) -> Void) {
        var inner = HostIO<Inner>(now: now, host: host, random: random, nextConnection: nextConnection, nextPort: nextPort,
                                  uplinkBusyUntil: uplinkBusyUntil, uplinkBitsPerSecond: uplinkBitsPerSecond)
        body(&inner)
        random = inner.random
        _uplinkBusyUntil = inner._uplinkBusyUntil
        nextConnection = inner.nextConnection
        nextPort = inner.nextPort
        logs.append(contentsOf: inner.logs)
        for a in inner.actions {
            switch a {
            case .datagram(let from, let to, let payload, let size): actions.append(.datagram(from: from, to: to, payload: wrap(payload), size: size))
            case .connect(let id, let from, let to): actions.append(.connect(id, from: from, to: to))
            case .send(let id, let payload, let size): actions.append(.send(id, payload: wrap(payload), size: size))
            case .close(let id): actions.append(.close(id))
            case .listen(let p): actions.append(.listen(p))
            case .unlisten(let p): actions.append(.unlisten(p))
            case .timer(let t, let d): actions.append(.timer(t, after: d))
            }
        }
    }
}
