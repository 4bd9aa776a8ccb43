// A NAT box (home router) with RFC 4787 UDP behaviour, as a deterministic value type.
//
// Design notes
// - Mappings live in two dictionaries: by public port (inbound lookup) and by mapping key
//   (outbound lookup). Neither is ever iterated in an order that can be observed: every list
//   handed out is sorted by public port, and bulk expiry only counts.
// - Port allocation is sequential from `NATConfig.firstPort` up to 65535, then wraps, skipping
//   ports in use and forwarded ports. There is no port preservation (RFC 4787 REQ-3 lets a NAT
//   choose): the private source port never influences the public one, so two runs, or two hosts,
//   always get the same public ports for the same sequence of flows. A mapping that expires and
//   is re-created gets the next port in sequence, not its old one.
// - Filtering state is per mapping (the remotes the inside endpoint has sent to through that
//   mapping), kept as a small sorted array. Permissions live as long as the mapping.
// - Mappings are refreshed by outbound packets only (RFC 4787 REQ-6); inbound packets never
//   extend a mapping's life.
// - A port forward is a static mapping: any remote may send to the forwarded public port, and
//   every packet the forwarded private endpoint sends leaves with that public port, whatever
//   the mapping behaviour (as a real router's static DNAT rule plus its connection tracking).

public import SimKernel

/// How a NAT decides whether two flows from one inside endpoint share a public endpoint (RFC 4787 §4.1).
public enum NATMappingBehavior: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// One public endpoint for every destination (the behaviour RFC 4787 REQ-1 requires).
    case endpointIndependent = "endpoint-independent"
    /// One public endpoint per destination address, whatever the destination port.
    case addressDependent = "address-dependent"
    /// One public endpoint per destination address and port.
    case addressAndPortDependent = "address-and-port-dependent"

    public var description: String { rawValue }
}

/// Which remotes a NAT lets send to a live mapping (RFC 4787 §5).
public enum NATFilteringBehavior: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Any remote may send to a live mapping.
    case endpointIndependent = "endpoint-independent"
    /// Only addresses the inside endpoint has sent to through the mapping (any port of them).
    case addressDependent = "address-dependent"
    /// Only exact remote endpoints the inside endpoint has sent to through the mapping.
    case addressAndPortDependent = "address-and-port-dependent"

    public var description: String { rawValue }
}

/// The classic RFC 3489 NAT types, as RFC 4787 §4.1 and §5 relate them to mapping and filtering.
public enum NATPreset: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Endpoint-independent mapping and filtering.
    case fullCone = "full-cone"
    /// Endpoint-independent mapping, address-dependent filtering.
    case restricted
    /// Endpoint-independent mapping, address-and-port-dependent filtering.
    case portRestricted = "port-restricted"
    /// Address-and-port-dependent mapping and filtering.
    case symmetric

    /// The preset's mapping behaviour.
    public var mapping: NATMappingBehavior {
        switch self {
        case .fullCone, .restricted, .portRestricted: .endpointIndependent
        case .symmetric: .addressAndPortDependent
        }
    }

    /// The preset's filtering behaviour.
    public var filtering: NATFilteringBehavior {
        switch self {
        case .fullCone: .endpointIndependent
        case .restricted: .addressDependent
        case .portRestricted, .symmetric: .addressAndPortDependent
        }
    }

    public var description: String { rawValue }
}

/// Why a `NATConfig` was refused.
public enum NATConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// RFC 4787 REQ-5: a UDP mapping timer must not expire in less than two minutes.
    case mappingTimeoutTooShort(SimDuration)
    /// The first port for allocation must be 1...65535.
    case firstPortZero

    public var description: String {
        switch self {
        case .mappingTimeoutTooShort(let d):
            "NAT mapping timeout \(d) is shorter than the 120s RFC 4787 (REQ-5) allows"
        case .firstPortZero:
            "NAT first port must be between 1 and 65535"
        }
    }
}

/// The configuration of one NAT box. Always valid: the initialisers and the decoder refuse
/// a mapping timeout under 120 s (RFC 4787 REQ-5).
public struct NATConfig: Sendable, Hashable, Codable {
    /// The shortest mapping timeout RFC 4787 REQ-5 allows.
    public static let minimumMappingTimeout = SimDuration.seconds(120)
    /// The mapping timeout RFC 4787 REQ-5 recommends.
    public static let defaultMappingTimeout = SimDuration.seconds(300)
    /// The first port the allocator hands out: the start of the IANA dynamic range.
    public static let defaultFirstPort: UInt16 = 49152

    /// Whether flows to different destinations share a public endpoint.
    public private(set) var mapping: NATMappingBehavior
    /// Which remotes may send to a live mapping.
    public private(set) var filtering: NATFilteringBehavior
    /// How long a mapping lives after the last outbound packet through it (at least 120 s).
    public private(set) var mappingTimeout: SimDuration
    /// The first port of the allocation range `firstPort...65535`.
    public private(set) var firstPort: UInt16
    /// Whether an inside host may reach the NAT's own public address (RFC 4787 §6). Off by default.
    public var hairpinning: Bool
    /// Static forwards: public port → private endpoint. Any remote may send to these, always.
    public var portForwards: [UInt16: Endpoint]

    /// A configuration with the default timeout (300 s) and first port (49152).
    public init(mapping: NATMappingBehavior, filtering: NATFilteringBehavior,
                hairpinning: Bool = false, portForwards: [UInt16: Endpoint] = [:]) {
        self.mapping = mapping
        self.filtering = filtering
        self.mappingTimeout = Self.defaultMappingTimeout
        self.firstPort = Self.defaultFirstPort
        self.hairpinning = hairpinning
        self.portForwards = portForwards
    }

    /// A configuration with an explicit timeout; throws if it is under 120 s or `firstPort` is 0.
    public init(mapping: NATMappingBehavior, filtering: NATFilteringBehavior,
                mappingTimeout: SimDuration, hairpinning: Bool = false,
                portForwards: [UInt16: Endpoint] = [:],
                firstPort: UInt16 = NATConfig.defaultFirstPort) throws(NATConfigError) {
        guard mappingTimeout >= Self.minimumMappingTimeout else {
            throw .mappingTimeoutTooShort(mappingTimeout)
        }
        guard firstPort > 0 else { throw .firstPortZero }
        self.mapping = mapping
        self.filtering = filtering
        self.mappingTimeout = mappingTimeout
        self.firstPort = firstPort
        self.hairpinning = hairpinning
        self.portForwards = portForwards
    }

    /// A preset's behaviours with the default timeout (300 s) and first port (49152).
    public init(preset: NATPreset, hairpinning: Bool = false, portForwards: [UInt16: Endpoint] = [:]) {
        self.init(mapping: preset.mapping, filtering: preset.filtering,
                  hairpinning: hairpinning, portForwards: portForwards)
    }

    /// A preset's behaviours with an explicit timeout; throws if it is under 120 s or `firstPort` is 0.
    public init(preset: NATPreset, mappingTimeout: SimDuration, hairpinning: Bool = false,
                portForwards: [UInt16: Endpoint] = [:],
                firstPort: UInt16 = NATConfig.defaultFirstPort) throws(NATConfigError) {
        try self.init(mapping: preset.mapping, filtering: preset.filtering,
                      mappingTimeout: mappingTimeout, hairpinning: hairpinning,
                      portForwards: portForwards, firstPort: firstPort)
    }

    /// The preset with these behaviours, if there is one (five of the nine combinations have none).
    public var preset: NATPreset? {
        NATPreset.allCases.first { $0.mapping == mapping && $0.filtering == filtering }
    }

    // MARK: Codable
    //
    // Keys: `preset` (optional; supplies mapping and filtering), `mapping`, `filtering`
    // (override the preset; required without one), `mappingTimeout`, `hairpinning`,
    // `firstPort`, `portForwards` (an object keyed by the public port as text).

    private enum CodingKeys: String, CodingKey {
        case preset, mapping, filtering, mappingTimeout, hairpinning, firstPort, portForwards
    }

    /// Reads `preset` and/or `mapping` and `filtering` (explicit ones win), the optional timeout, first port,
    /// hairpinning, and `portForwards` keyed by port as text; refuses values the initialisers refuse.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let preset = try c.decodeIfPresent(NATPreset.self, forKey: .preset)
        let mapping: NATMappingBehavior
        let filtering: NATFilteringBehavior
        if let m = try c.decodeIfPresent(NATMappingBehavior.self, forKey: .mapping) ?? preset?.mapping {
            mapping = m
        } else {
            mapping = try c.decode(NATMappingBehavior.self, forKey: .mapping)  // throws keyNotFound
        }
        if let f = try c.decodeIfPresent(NATFilteringBehavior.self, forKey: .filtering) ?? preset?.filtering {
            filtering = f
        } else {
            filtering = try c.decode(NATFilteringBehavior.self, forKey: .filtering)
        }
        let timeout = try c.decodeIfPresent(SimDuration.self, forKey: .mappingTimeout) ?? Self.defaultMappingTimeout
        let firstPort = try c.decodeIfPresent(UInt16.self, forKey: .firstPort) ?? Self.defaultFirstPort
        let hairpinning = try c.decodeIfPresent(Bool.self, forKey: .hairpinning) ?? false
        let textForwards = try c.decodeIfPresent([String: Endpoint].self, forKey: .portForwards) ?? [:]
        var forwards: [UInt16: Endpoint] = [:]
        for (key, target) in textForwards {
            guard let port = UInt16(key), port > 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .portForwards, in: c,
                    debugDescription: "port forward key '\(key)' is not a port number 1...65535")
            }
            forwards[port] = target
        }
        do {
            try self.init(mapping: mapping, filtering: filtering, mappingTimeout: timeout,
                          hairpinning: hairpinning, portForwards: forwards, firstPort: firstPort)
        } catch {
            let key: CodingKeys = switch error {
            case .mappingTimeoutTooShort: .mappingTimeout
            case .firstPortZero: .firstPort
            }
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: error.description)
        }
    }

    /// Writes the explicit behaviours (never `preset`) and the forwards keyed by port as text.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mapping, forKey: .mapping)
        try c.encode(filtering, forKey: .filtering)
        try c.encode(mappingTimeout, forKey: .mappingTimeout)
        try c.encode(hairpinning, forKey: .hairpinning)
        try c.encode(firstPort, forKey: .firstPort)
        var forwards: [String: Endpoint] = [:]
        for (port, target) in portForwards { forwards[String(port)] = target }
        try c.encode(forwards, forKey: .portForwards)
    }
}

/// Which remotes a mapping is bound to or admits, for display.
public enum NATRemote: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Any remote endpoint.
    case any
    /// Any port of one address.
    case address(IPv4Address)
    /// Exactly one remote endpoint.
    case endpoint(Endpoint)

    public var description: String {
        switch self {
        case .any: "*:*"
        case .address(let a): "\(a):*"
        case .endpoint(let e): e.description
        }
    }
}

/// One mapping, as the dashboard shows it.
public struct NATMappingEntry: Sendable, Hashable, Codable {
    /// The inside endpoint.
    public var privateEndpoint: Endpoint
    /// The endpoint outside hosts see and send to.
    public var publicEndpoint: Endpoint
    /// The destinations whose flows share this mapping: `.any` (endpoint-independent mapping),
    /// `.address` (address-dependent) or `.endpoint` (address-and-port-dependent).
    public var boundTo: NATRemote
    /// The remotes allowed to send in, sorted: `[.any]` for endpoint-independent filtering.
    public var permitted: [NATRemote]
    /// The last outbound packet through the mapping.
    public var lastRefresh: SimTime
    /// The first instant at which the mapping is gone unless refreshed (`lastRefresh + timeout`).
    public var expiry: SimTime
}

/// Counters of one NAT box. They survive `reset()` (a reboot), so they cover the whole run.
public struct NATStats: Sendable, Hashable, Codable {
    /// Outbound packets translated (including hairpinned ones).
    public var translatedOut = 0
    /// Inbound packets delivered inside (including through port forwards and hairpinning).
    public var translatedIn = 0
    /// Inbound packets with no live mapping or forward for their destination.
    public var droppedUnsolicited = 0
    /// Inbound packets to a live mapping whose filter refused the sender.
    public var droppedFiltered = 0
    /// Packets from inside to the NAT's own public address with hairpinning off.
    public var droppedHairpin = 0
    /// Outbound packets dropped because no public port was free.
    public var droppedNoPort = 0
    /// Mappings removed because they went idle for the timeout.
    public var expired = 0

    /// All counters at zero.
    public init() {}

    /// All dropped packets.
    public var dropped: Int { droppedUnsolicited + droppedFiltered + droppedHairpin + droppedNoPort }
}

/// A packet that hairpinned: it reaches `destination` inside, seen as coming from `source`.
public struct NATHairpin: Sendable, Hashable {
    /// The sender's public endpoint (RFC 4787 REQ-9b: the external source, not the private one).
    public var source: Endpoint
    /// The private endpoint the packet is delivered to.
    public var destination: Endpoint
}

/// A NAT box in front of a host: RFC 4787 mapping, filtering, timeouts, hairpinning and port
/// forwards, as a deterministic value the engine calls synchronously and copies for checkpoints.
public struct NATBox: Sendable, Equatable {
    /// The NAT's one public address.
    public let publicAddress: IPv4Address
    /// The configuration it was built with.
    public let config: NATConfig
    /// Counters of translations, drops by reason and expiries.
    public private(set) var stats = NATStats()

    /// What identifies a mapping: the inside endpoint plus, per mapping behaviour, nothing,
    /// the destination address (port 0) or the destination endpoint.
    private struct Key: Hashable, Sendable {
        var inside: Endpoint
        var remote: Endpoint?
    }

    private struct Mapping: Hashable, Sendable {
        var key: Key
        var lastRefresh: SimTime
        /// Sorted, unique. Address-dependent filtering stores addresses with port 0;
        /// endpoint-independent filtering stores nothing.
        var permitted: [Endpoint]

        mutating func refresh(at now: SimTime, permitting remote: Endpoint?) {
            lastRefresh = max(lastRefresh, now)
            guard let remote else { return }
            let i = permitted.insertionIndex(of: remote)
            if i == permitted.count || permitted[i] != remote { permitted.insert(remote, at: i) }
        }

        func permits(_ remote: Endpoint) -> Bool {
            let i = permitted.insertionIndex(of: remote)
            return i < permitted.count && permitted[i] == remote
        }
    }

    private var byPort: [UInt16: Mapping] = [:]
    private var byKey: [Key: UInt16] = [:]
    /// Static outbound ports of forwarded private endpoints (the lowest forwarded port wins).
    private let forwardedPortOf: [Endpoint: UInt16]
    private var nextPort: UInt16

    /// A NAT with no mappings.
    public init(publicAddress: IPv4Address, config: NATConfig) {
        self.publicAddress = publicAddress
        self.config = config
        self.nextPort = config.firstPort
        var reverse: [Endpoint: UInt16] = [:]
        for (port, target) in config.portForwards {
            reverse[target] = min(port, reverse[target] ?? port)
        }
        self.forwardedPortOf = reverse
    }

    // MARK: Translation

    /// A packet from `privateSource` (inside) to `destination` (outside) at `now`: creates or
    /// refreshes the mapping per the mapping behaviour, admits `destination` through its filter,
    /// and returns the public source endpoint the packet leaves with; nil (counted in
    /// `droppedNoPort`) if a new mapping is needed and no port is free.
    ///
    /// Packets to the NAT's own public address go through `translateHairpin` instead (see `isHairpin`).
    public mutating func translateOutbound(from privateSource: Endpoint, to destination: Endpoint,
                                           at now: SimTime) -> Endpoint? {
        if let port = forwardedPortOf[privateSource] {
            stats.translatedOut += 1
            return Endpoint(publicAddress, port)
        }
        let key = Key(inside: privateSource, remote: mappingRemote(destination))
        let port: UInt16
        if let existing = byKey[key], let m = byPort[existing], now < expiry(of: m) {
            port = existing
        } else {
            if let stale = byKey[key] {
                remove(port: stale)
                stats.expired += 1
            }
            guard let fresh = allocatePort(at: now) else {
                stats.droppedNoPort += 1
                return nil
            }
            byPort[fresh] = Mapping(key: key, lastRefresh: now, permitted: [])
            byKey[key] = fresh
            port = fresh
        }
        let permit = filterKey(destination)
        byPort[port]?.refresh(at: now, permitting: permit)
        stats.translatedOut += 1
        return Endpoint(publicAddress, port)
    }

    /// A packet from `remote` to the NAT's public `destination` at `now`: returns the private
    /// endpoint to deliver to, or nil if the NAT drops it — no forward and no live mapping
    /// (`droppedUnsolicited`), or the filtering behaviour refuses `remote` (`droppedFiltered`).
    /// Inbound packets never refresh a mapping.
    public mutating func translateInbound(from remote: Endpoint, to destination: Endpoint,
                                          at now: SimTime) -> Endpoint? {
        guard destination.address == publicAddress else {
            stats.droppedUnsolicited += 1
            return nil
        }
        if let target = config.portForwards[destination.port] {
            stats.translatedIn += 1
            return target
        }
        guard let m = byPort[destination.port] else {
            stats.droppedUnsolicited += 1
            return nil
        }
        guard now < expiry(of: m) else {
            remove(port: destination.port)
            stats.expired += 1
            stats.droppedUnsolicited += 1
            return nil
        }
        if let needed = filterKey(remote), !m.permits(needed) {
            stats.droppedFiltered += 1
            return nil
        }
        stats.translatedIn += 1
        return m.key.inside
    }

    /// Whether a packet from inside to `destination` would hairpin (it is addressed to the NAT's
    /// own public address); such packets must go through `translateHairpin`.
    public func isHairpin(_ destination: Endpoint) -> Bool {
        destination.address == publicAddress
    }

    /// A packet from `privateSource` to the NAT's own public `destination`. With hairpinning on,
    /// it is translated out (creating or refreshing a mapping) and back in (through forwards,
    /// mappings and filters as any inbound packet), and arrives from the sender's public
    /// endpoint (RFC 4787 REQ-9). With hairpinning off it is dropped (`droppedHairpin`).
    public mutating func translateHairpin(from privateSource: Endpoint, to destination: Endpoint,
                                          at now: SimTime) -> NATHairpin? {
        guard config.hairpinning else {
            stats.droppedHairpin += 1
            return nil
        }
        guard let source = translateOutbound(from: privateSource, to: destination, at: now),
              let target = translateInbound(from: source, to: destination, at: now)
        else { return nil }
        return NATHairpin(source: source, destination: target)
    }

    // MARK: Inspection and maintenance

    /// Mappings held, sorted by public port. Expiry is lazy, so this may include mappings past
    /// their `expiry`; call `expire(at:)` first or use `mappings(at:)` for live ones only.
    public var mappings: [NATMappingEntry] {
        byPort.sorted { $0.key < $1.key }.map { entry(port: $0.key, $0.value) }
    }

    /// Mappings live at `now`, sorted by public port.
    public func mappings(at now: SimTime) -> [NATMappingEntry] {
        mappings.filter { now < $0.expiry }
    }

    /// The number of mappings held (live or not yet collected).
    public var mappingCount: Int { byPort.count }

    /// Drops every mapping idle for the timeout at `now` (also done lazily on lookup).
    public mutating func expire(at now: SimTime) {
        let stale = byPort.filter { now >= expiry(of: $0.value) }.keys
        for port in stale { remove(port: port) }
        stats.expired += stale.count
    }

    /// A reboot: every mapping is lost and allocation restarts at `firstPort`; port forwards and
    /// counters are kept.
    public mutating func reset() {
        byPort.removeAll()
        byKey.removeAll()
        nextPort = config.firstPort
    }

    // MARK: Internals

    private func expiry(of m: Mapping) -> SimTime { m.lastRefresh + config.mappingTimeout }

    private func mappingRemote(_ destination: Endpoint) -> Endpoint? {
        switch config.mapping {
        case .endpointIndependent: nil
        case .addressDependent: Endpoint(destination.address, 0)
        case .addressAndPortDependent: destination
        }
    }

    /// What the filter must hold for `remote` to pass; nil means anyone passes.
    private func filterKey(_ remote: Endpoint) -> Endpoint? {
        switch config.filtering {
        case .endpointIndependent: nil
        case .addressDependent: Endpoint(remote.address, 0)
        case .addressAndPortDependent: remote
        }
    }

    private mutating func remove(port: UInt16) {
        if let m = byPort.removeValue(forKey: port) { byKey[m.key] = nil }
    }

    /// The next free port at or after `nextPort`, wrapping within `firstPort...65535`. A port is
    /// free if not forwarded and not held by a live mapping (an expired one is collected).
    private mutating func allocatePort(at now: SimTime) -> UInt16? {
        let first = config.firstPort
        let rangeSize = Int(UInt16.max) - Int(first) + 1
        var candidate = nextPort
        for _ in 0..<rangeSize {
            let following = candidate == .max ? first : candidate + 1
            if config.portForwards[candidate] == nil {
                if let held = byPort[candidate], now >= expiry(of: held) {
                    remove(port: candidate)
                    stats.expired += 1
                }
                if byPort[candidate] == nil {
                    nextPort = following
                    return candidate
                }
            }
            candidate = following
        }
        return nil
    }

    private func entry(port: UInt16, _ m: Mapping) -> NATMappingEntry {
        let bound: NATRemote = switch config.mapping {
        case .endpointIndependent: .any
        case .addressDependent: m.key.remote.map { .address($0.address) } ?? .any
        case .addressAndPortDependent: m.key.remote.map { .endpoint($0) } ?? .any
        }
        let permitted: [NATRemote] = switch config.filtering {
        case .endpointIndependent: [.any]
        case .addressDependent: m.permitted.map { .address($0.address) }
        case .addressAndPortDependent: m.permitted.map { .endpoint($0) }
        }
        return NATMappingEntry(privateEndpoint: m.key.inside, publicEndpoint: Endpoint(publicAddress, port),
                               boundTo: bound, permitted: permitted,
                               lastRefresh: m.lastRefresh, expiry: expiry(of: m))
    }
}

extension Array where Element == Endpoint {
    /// The first index whose element is not less than `e` (binary search on a sorted array).
    fileprivate func insertionIndex(of e: Endpoint) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid] < e { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
