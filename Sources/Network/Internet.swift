public import SimKernel

/// The kind of a connection segment.
public enum Segment: UInt8, Sendable, Hashable { case syn, synAck, data, fin, rst }

/// Size in bytes of a connection control segment (SYN, SYN-ACK, FIN, RST): IP + TCP headers.
public let controlSegmentSize = 40

/// Packets of at most this many bytes (requests, acknowledgements, control messages) do not queue behind
/// bulk data on an access link: they have a lane of their own, as per-flow fair queueing or the small-packet
/// priority of home routers would give them. Without it a peer whose uplink is full of uploads could not
/// get a block request out for seconds, which real TCP flows sharing a link do not suffer.
public let smallPacketBytes = 128

/// Whether a packet takes the small-packet lane. A FIN does not, though it is small: it closes a byte
/// stream, so it must not overtake the stream's data still queued on the links (a departing peer's last
/// blocks, counted as uploaded, would be lost with the connection).
@inlinable func takesSmallLane<Payload>(_ size: Int, _ kind: Packet<Payload>.Kind) -> Bool {
    guard size <= smallPacketBytes else { return false }
    if case .segment(_, .fin) = kind { return false }
    return true
}

/// A packet crossing the emulated Internet. Addresses are public (after NAT translation).
public struct Packet<Payload: Sendable>: Sendable {
    /// A datagram, or a segment of one connection.
    public enum Kind: Sendable, Hashable {
        case datagram
        case segment(ConnectionID, Segment)
    }
    /// The sender's public endpoint (after its NAT).
    public var source: Endpoint
    /// The receiver's public endpoint.
    public var destination: Endpoint
    /// The sending host's node id.
    public var sourceHost: Int
    /// Size in bytes, headers included: it sets the serialisation time on both access links.
    public var size: Int
    /// Datagram, or which segment of which connection.
    public var kind: Kind
    /// The application data; nil for control segments (SYN, SYN-ACK, FIN, RST).
    public var payload: Payload?

    /// A packet with every field given.
    @inlinable public init(source: Endpoint, destination: Endpoint, sourceHost: Int, size: Int, kind: Kind, payload: Payload?) {
        self.source = source; self.destination = destination; self.sourceHost = sourceHost; self.size = size
        self.kind = kind; self.payload = payload
    }
}

/// What the network schedules for a host.
public enum NetMessage<App: HostApplication>: Sendable {
    /// The host (re)starts its application.
    case start(incarnation: UInt32)
    /// A packet reaches the host's access link after crossing the core.
    case arrive(Packet<App.Payload>)
    /// A packet has crossed the host's downlink and reaches its NAT and stack.
    case deliver(Packet<App.Payload>)
    /// A live command for the application (from a control action).
    case command(App.Command, incarnation: UInt32)
    /// An application timer; ignored if the host crashed or restarted since it was set.
    case timer(UInt64, incarnation: UInt32)
    /// The connect timeout of an attempt: it fails the attempt if still connecting.
    case connectTimeout(ConnectionID, incarnation: UInt32)
}

/// Failure injections and live changes, applied at an instant between windows. Each is logged.
public enum NetControl<Command: Sendable>: Sendable {
    /// The host joins (its application starts).
    case join(NodeID)
    /// The host leaves gracefully: its connections are closed, then it stops.
    case leave(NodeID)
    /// The host's process is killed: volatile state is lost; peers' connections are reset.
    case crash(NodeID)
    /// A crashed or departed host comes back with fresh state.
    case restart(NodeID)
    /// The host's access link goes down: packets to and from it are dropped.
    case linkDown(NodeID)
    /// The host's access link comes back up.
    case linkUp(NodeID)
    /// Changes a host's access-link capacities (nil keeps the current value).
    case setRate(NodeID, up: Int64?, down: Int64?)
    /// Sets the access link's datagram loss probability (0...1, each direction).
    case setLoss(NodeID, Double)
    /// Cuts these hosts off from all others (they still reach each other).
    case partition([NodeID], name: String)
    /// Removes every partition.
    case heal
    /// A command for the host's application.
    case command(NodeID, Command)
}

/// The emulated Internet as a `SimModel`: hosts with access links and NATs, exchanging datagrams and
/// connection segments, running an application each.
///
/// A packet of S bytes waits for the sender's uplink to be free, takes S·8/up to serialise, crosses the
/// path latency (both access links plus the core latency between the regions), then waits for and
/// crosses the receiver's downlink (S·8/down). Then the receiver's NAT, if any, decides whether it passes.
/// Small packets (≤ `smallPacketBytes`) queue only behind other small packets. Every packet is sent to
/// arrive when it would have crossed an idle downlink, so the usual case costs one event instead of two.
public struct Internet<App: HostApplication>: SimModel {
    /// Each simulated node is one host.
    public typealias Node = Host<App>
    /// What the network schedules for hosts.
    public typealias Message = NetMessage<App>
    /// Failure injections and live changes.
    public typealias Control = NetControl<App.Command>

    /// Regions, hosts' addresses, latencies and partitions; changed only by control actions.
    public var topology: Topology
    /// The shortest path latency between two hosts (`Topology.minimumPathLatency`).
    public let lookahead: SimDuration
    /// How long a connection attempt waits for an answer.
    public var connectTimeout: SimDuration
    /// Log every NAT drop (useful in small labs; noisy in big swarms).
    public var logNATDrops: Bool

    /// An Internet over `topology`; the lookahead is the topology's shortest path latency.
    public init(topology: Topology, connectTimeout: SimDuration = .seconds(5), logNATDrops: Bool = true) {
        self.topology = topology
        self.lookahead = topology.minimumPathLatency
        self.connectTimeout = connectTimeout
        self.logNATDrops = logNATDrops
    }

    /// Hashes a message's kind, packet header fields and payload for the run fingerprint.
    @inlinable public func digest(_ message: Message) -> UInt64 {
        switch message {
        case .start(let i): return 0x5747 ^ UInt64(i)
        case .arrive(let p): return packetDigest(p) ^ 0xA
        case .deliver(let p): return packetDigest(p) ^ 0xD
        case .timer(let t, let i): return SplitMix64.mix(t) ^ UInt64(i) << 40
        case .connectTimeout(let c, _): return SplitMix64.mix(c.raw ^ 0xC7)
        case .command(let c, _): return stableHash("\(c)")
        }
    }

    @inlinable @inline(__always) func packetDigest(_ p: Packet<App.Payload>) -> UInt64 {
        var h = UInt64(p.source.address.raw) << 32 | UInt64(p.destination.address.raw)
        h = SplitMix64.mix(h ^ UInt64(p.source.port) << 16 ^ UInt64(p.destination.port) ^ UInt64(p.size) << 32)
        if case .segment(let c, let s) = p.kind { h = SplitMix64.mix(h ^ c.raw ^ UInt64(s.rawValue) << 60) }
        if let payload = p.payload { h ^= App.digest(payload) }
        return h
    }

    // MARK: Handling events

    /// Handles one event at a host: start, timer, connect timeout, command, or a packet that arrives
    /// at its access link or has crossed its downlink.
    @inlinable public func handle(_ message: Message, node host: inout Host<App>, context: inout NodeContext<Message>) {
        switch message {
        case .start(let incarnation):
            guard host.running, incarnation == host.incarnation else { return }
            runApp(.start, host: &host, context: &context)
        case .timer(let token, let incarnation):
            guard host.running, incarnation == host.incarnation else { return }
            runApp(.timer(token), host: &host, context: &context)
        case .connectTimeout(let id, let incarnation):
            guard host.running, incarnation == host.incarnation,
                  let c = host._connections[id], c.state == .connecting else { return }
            host._connections[id] = nil
            host.counters.connectionsFailed += 1
            context.log("conn.fail", [LogField("conn", id.description), LogField("to", c.remote.description), LogField("reason", "timeout")])
            runApp(.connectFailed(id, remote: c.remote, .timeout), host: &host, context: &context)
        case .command(let command, let incarnation):
            guard host.running, incarnation == host.incarnation else { return }
            var io = HostIO<App.Payload>(now: context.now, host: host.id, random: context.random,
                                         nextConnection: host.nextConnection, nextPort: host.nextPort,
                                         uplinkBusyUntil: host._uplinkFreeAt, uplinkBitsPerSecond: host.link.up)
            host.app.command(command, io: &io)
            finish(&io, host: &host, context: &context)
        case .arrive(let p):
            arrive(p, host: &host, context: &context)
        case .deliver(let p):
            // A packet that had to queue: it is checked again when it has finished crossing.
            guard canReceive(p, host: &host) else { return }
            deliver(p, host: &host, context: &context)
        }
    }

    /// Whether the host can take `p` now: it is up, its link too, and the sender on its side of any
    /// partition. A packet that cannot is dropped and counted.
    @inlinable func canReceive(_ p: Packet<App.Payload>, host: inout Host<App>) -> Bool {
        guard host.running, host.linkUp else { host.counters.droppedDown += 1; return false }
        guard topology.partition[p.sourceHost] == topology.partition[host.id] else { host.counters.droppedPartition += 1; return false }
        return true
    }

    @inlinable func arrive(_ p: Packet<App.Payload>, host: inout Host<App>, context: inout NodeContext<Message>) {
        guard canReceive(p, host: &host) else { return }
        if case .datagram = p.kind, context.random.chance(host.link.loss) { host.counters.droppedLoss += 1; return }
        let crossing = SimDuration.transmission(bytes: p.size, bitsPerSecond: host.link.down)
        // Timed by the sender to arrive once across an idle downlink: deliver now if the packet's lane was
        // free when it started crossing (at t0), else queue it behind what was there. The small lane is a
        // FIFO. On the bulk lane a shorter packet that entered later can be handled first (its event comes
        // sooner); the longer one then finishes as if the shorter had preempted it, so the link never idles
        // while a packet waits and the busy period ends when a FIFO's would.
        let small = takesSmallLane(p.size, p.kind)
        let t0 = context.now - crossing
        var at: SimTime
        if small {
            if host.downlinkSmallFreeAt <= t0 { at = context.now } else { at = host.downlinkSmallFreeAt + crossing }
            host.downlinkSmallFreeAt = at
        } else if host._downlinkFreeAt <= t0 {
            at = context.now; host._downlinkFreeAt = at; host.downlinkBusySince = t0
        } else if t0 < host.downlinkBusySince {
            // It reached the downlink before the packets now crossing it, which finished sooner only because
            // they are shorter: it is served as if they had preempted it (the link stays work-conserving).
            at = context.now + (host._downlinkFreeAt - host.downlinkBusySince)
            host._downlinkFreeAt = at; host.downlinkBusySince = t0
        } else {
            at = host._downlinkFreeAt + crossing; host._downlinkFreeAt = at
        }
        // A FIN ends the stream: not before the small segments already queued on the other lane.
        if case .segment(_, .fin) = p.kind { at = max(at, host.downlinkSmallFreeAt) }
        if at == context.now { deliver(p, host: &host, context: &context) }
        else { context.scheduleSelf(.deliver(p), after: at - context.now) }
    }

    /// Hands a packet that has crossed the downlink, and passed `canReceive` when it finished, to the host:
    /// through its NAT, then to the connection or the application.
    @inlinable func deliver(_ p: Packet<App.Payload>, host: inout Host<App>, context: inout NodeContext<Message>) {
        var localPort = p.destination.port
        if host.nat != nil {
            guard let inside = host.nat?.translateInbound(from: p.source, to: p.destination, at: context.now) else {
                host.counters.droppedNAT += 1
                if logNATDrops {
                    context.log("nat.drop", [LogField("from", p.source.description), LogField("to", p.destination.description),
                                             LogField("what", kindName(p.kind))])
                }
                return
            }
            localPort = inside.port
        }
        host.counters.packetsReceived += 1
        host.counters.bytesReceived += Int64(p.size)
        switch p.kind {
        case .datagram:
            guard let payload = p.payload else { return }
            runApp(.datagram(from: p.source, port: localPort, payload: payload, size: p.size), host: &host, context: &context)
        case .segment(let id, let segment):
            receiveSegment(segment, id: id, packet: p, localPort: localPort, host: &host, context: &context)
        }
    }

    @inlinable func kindName(_ k: Packet<App.Payload>.Kind) -> String {
        switch k {
        case .datagram: return "datagram"
        case .segment(_, let s): return "\(s)"
        }
    }

    @inlinable func receiveSegment(_ segment: Segment, id: ConnectionID, packet p: Packet<App.Payload>, localPort: UInt16,
                        host: inout Host<App>, context: inout NodeContext<Message>) {
        switch segment {
        case .syn:
            guard host._connections[id] == nil else { return }
            guard host._listening.contains(localPort) else {
                transmit(.segment(id, .rst), payload: nil, size: controlSegmentSize, from: localPort, to: p.source, host: &host, context: &context)
                return
            }
            host._connections[id] = Connection(id: id, localPort: localPort, remote: p.source, remoteHost: p.sourceHost,
                                              state: .established, initiator: false)
            host.counters.connectionsAccepted += 1
            transmit(.segment(id, .synAck), payload: nil, size: controlSegmentSize, from: localPort, to: p.source, host: &host, context: &context)
            runApp(.accepted(id, remote: p.source, port: localPort), host: &host, context: &context)
        case .synAck:
            guard var c = host._connections[id], c.state == .connecting else { return }
            c.state = .established
            c.remote = p.source
            host._connections[id] = c
            runApp(.connected(id, remote: p.source), host: &host, context: &context)
        case .data:
            guard host._connections[id]?.state == .established, let payload = p.payload else { return }
            runApp(.received(id, payload: payload, size: p.size), host: &host, context: &context)
        case .fin:
            guard host._connections.removeValue(forKey: id) != nil else { return }
            runApp(.closed(id, .closedByRemote), host: &host, context: &context)
        case .rst:
            guard let c = host._connections.removeValue(forKey: id) else { return }
            if c.state == .connecting {
                host.counters.connectionsFailed += 1
                context.log("conn.fail", [LogField("conn", id.description), LogField("to", c.remote.description), LogField("reason", "refused")])
                runApp(.connectFailed(id, remote: c.remote, .refused), host: &host, context: &context)
            } else {
                runApp(.closed(id, .reset), host: &host, context: &context)
            }
        }
    }

    // MARK: Running the application and carrying out its actions

    @inlinable func runApp(_ event: AppEvent<App.Payload>, host: inout Host<App>, context: inout NodeContext<Message>) {
        var io = HostIO<App.Payload>(now: context.now, host: host.id, random: context.random,
                                     nextConnection: host.nextConnection, nextPort: host.nextPort,
                                     uplinkBusyUntil: host._uplinkFreeAt, uplinkBitsPerSecond: host.link.up)
        host.app.handle(event, io: &io)
        finish(&io, host: &host, context: &context)
    }

    @inlinable func finish(_ io: inout HostIO<App.Payload>, host: inout Host<App>, context: inout NodeContext<Message>) {
        context.random = io.random
        host.nextConnection = io.nextConnection
        host.nextPort = io.nextPort
        for (kind, fields) in io.logs { context.log(kind, fields) }
        for action in io.actions { perform(action, host: &host, context: &context) }
    }

    @inlinable func perform(_ action: HostAction<App.Payload>, host: inout Host<App>, context: inout NodeContext<Message>) {
        switch action {
        case .datagram(let port, let to, let payload, let size):
            transmit(.datagram, payload: payload, size: size, from: port, to: to, host: &host, context: &context)
        case .connect(let id, let port, let to):
            host._connections[id] = Connection(id: id, localPort: port, remote: to, remoteHost: topology.host(at: to.address) ?? -1,
                                              state: .connecting, initiator: true)
            host.counters.connectionsOpened += 1
            transmit(.segment(id, .syn), payload: nil, size: controlSegmentSize, from: port, to: to, host: &host, context: &context)
            context.scheduleSelf(.connectTimeout(id, incarnation: host.incarnation), after: connectTimeout)
        case .send(let id, let payload, let size):
            guard let c = host._connections[id], c.state == .established else { return }
            transmit(.segment(id, .data), payload: payload, size: size, from: c.localPort, to: c.remote, host: &host, context: &context)
        case .close(let id):
            guard let c = host._connections[id] else { return }
            transmit(.segment(id, .fin), payload: nil, size: controlSegmentSize, from: c.localPort, to: c.remote, host: &host, context: &context)
            host._connections.removeValue(forKey: id)
        case .listen(let port):
            let i = host._listening.firstIndex { $0 >= port } ?? host._listening.count
            if i == host._listening.count || host._listening[i] != port { host._listening.insert(port, at: i) }
        case .unlisten(let port):
            host._listening.removeAll { $0 == port }
        case .timer(let token, let delay):
            context.scheduleSelf(.timer(token, incarnation: host.incarnation), after: delay)
        }
    }

    /// Sends one packet: NAT translation, uplink serialisation (FIFO), loss, then the core to the receiver.
    @inlinable func transmit(_ kind: Packet<App.Payload>.Kind, payload: App.Payload?, size: Int, from port: UInt16, to destination: Endpoint,
                  host: inout Host<App>, context: inout NodeContext<Message>) {
        guard host.running, host.linkUp else { host.counters.droppedDown += 1; return }
        var source = Endpoint(host.address, port)
        if host.nat != nil {
            if host.nat?.isHairpin(destination) == true {
                // One host behind its own NAT: a hairpinned packet would come straight back to it.
                _ = host.nat?.translateHairpin(from: source, to: destination, at: context.now)
                host.counters.droppedNAT += 1
                return
            }
            guard let translated = host.nat?.translateOutbound(from: source, to: destination, at: context.now) else {
                host.counters.droppedNAT += 1
                return
            }
            source = translated
        }
        let small = takesSmallLane(size, kind)
        let start = max(context.now, small ? host.uplinkSmallFreeAt : host._uplinkFreeAt)
        let sent = start + .transmission(bytes: size, bitsPerSecond: host.link.up)
        if small { host.uplinkSmallFreeAt = sent } else { host._uplinkFreeAt = sent }
        host.counters.packetsSent += 1
        host.counters.bytesSent += Int64(size)
        if case .datagram = kind, context.random.chance(host.link.loss) { host.counters.droppedLoss += 1; return }
        guard let target = topology.host(at: destination.address), target != host.id else {
            host.counters.droppedUnroutable += 1
            return
        }
        let packet = Packet(source: source, destination: destination, sourceHost: host.id, size: size, kind: kind, payload: payload)
        // Timed to have crossed the receiver's downlink already, as if it were idle (`arrive` queues it if not).
        var arrival = sent + topology.pathLatency(host.id, target)
            + .transmission(bytes: size, bitsPerSecond: topology.downlinkRate[target])
        // A smaller segment crosses faster, so on a connection each arrives no sooner than the one before it
        // in its lane, as the receiver's FIFO would have had it; and the FIN, which ends the stream, no sooner
        // than anything sent before it.
        if case .segment(let id, let segment) = kind, let i = host._connections.index(of: id) {
            host._connections.items[i].orderArrival(&arrival, small: small, fin: segment == .fin)
        }
        context.send(.arrive(packet), to: target, at: arrival)
    }

    // MARK: Control actions

    /// Applies a failure injection or live change and logs it (`host.*` or `inject.*`).
    public static func apply(_ control: Control, to world: inout SimState<Internet<App>>) {
        let names = world.model.topology.hostNames
        func name(_ n: NodeID) -> String { names[n] }
        switch control {
        case .join(let n):
            guard !world.nodes[n].running else { return }
            world.log("host.join", [LogField("host", name(n))])
            start(n, in: &world)
        case .restart(let n):
            guard !world.nodes[n].running else { return }
            world.log("inject.restart", [LogField("host", name(n))])
            start(n, in: &world)
        case .crash(let n):
            guard world.nodes[n].running else { return }
            world.log("inject.crash", [LogField("host", name(n))])
            stop(n, in: &world, segment: .rst)
        case .leave(let n):
            guard world.nodes[n].running else { return }
            world.log("host.leave", [LogField("host", name(n))])
            stop(n, in: &world, segment: .fin)
        case .linkDown(let n):
            world.nodes[n].linkUp = false
            world.log("inject.link-down", [LogField("host", name(n))])
        case .linkUp(let n):
            world.nodes[n].linkUp = true
            world.log("inject.link-up", [LogField("host", name(n))])
        case .setRate(let n, let up, let down):
            if let up { world.nodes[n].link.up = up }
            if let down { world.nodes[n].link.down = down; world.model.topology.downlinkRate[n] = down }
            world.log("inject.rate", [LogField("host", name(n)), LogField("up", Int(world.nodes[n].link.up)),
                                      LogField("down", Int(world.nodes[n].link.down))])
        case .setLoss(let n, let loss):
            world.nodes[n].link.loss = loss
            world.log("inject.loss", [LogField("host", name(n)), LogField("loss", loss)])
        case .partition(let hosts, let label):
            let fresh = (world.model.topology.partition.max() ?? 0) + 1
            for n in hosts { world.model.topology.partition[n] = fresh }
            world.log("inject.partition", [LogField("name", label), LogField("hosts", hosts.count)])
        case .heal:
            for i in world.model.topology.partition.indices { world.model.topology.partition[i] = 0 }
            world.log("inject.heal")
        case .command(let n, let command):
            guard world.nodes[n].running else { return }
            world.log("inject.command", [LogField("host", name(n)), LogField("command", "\(command)")])
            world.schedule(.command(command, incarnation: world.nodes[n].incarnation), to: n, at: world.now)
        }
    }

    static func start(_ n: NodeID, in world: inout SimState<Internet<App>>) {
        world.nodes[n].running = true
        world.nodes[n].incarnation &+= 1
        world.schedule(.start(incarnation: world.nodes[n].incarnation), to: n, at: world.now)
    }

    /// Stops a host; every open connection's remote end gets `segment` (RST for a crash, FIN for a leave).
    static func stop(_ n: NodeID, in world: inout SimState<Internet<App>>, segment: Segment) {
        let topology = world.model.topology
        for c in world.nodes[n].sortedConnections where c.remoteHost >= 0 {
            let packet = Packet<App.Payload>(source: Endpoint(topology.publicAddress[n], c.localPort), destination: c.remote,
                                             sourceHost: n, size: controlSegmentSize, kind: .segment(c.id, segment), payload: nil)
            // Timed as `transmit` would: an RST like any small segment, a FIN behind the data already on
            // the uplink; either across the idle downlink, and after what the connection sent before it.
            let departure = segment == .fin ? max(world.now, world.nodes[n]._uplinkFreeAt) : world.now
            let arrival = departure + topology.pathLatency(n, c.remoteHost)
                + .transmission(bytes: controlSegmentSize, bitsPerSecond: topology.downlinkRate[c.remoteHost])
            world.schedule(.arrive(packet), to: c.remoteHost,
                           at: c.orderedArrival(arrival, small: segment != .fin, fin: segment == .fin))
        }
        world.nodes[n]._connections = ConnectionTable()
        world.nodes[n]._listening = []
        world.nodes[n].running = false
        world.nodes[n].incarnation &+= 1
        world.nodes[n].app.crash()
    }
}
