public import BitTorrent
public import DHT
public import Network
public import SimKernel

/// The application a scenario host runs: one of the built-in applications, composed into one type so the
/// engine dispatches statically.
public enum ScenarioApp: HostApplication, Sendable {
    case idle
    case ping(PingApp)
    case tracker(BTTracker)
    case peer(BTPeer)
    case fileServer(FileServer)
    case fileClient(FileClient)
    /// A BitTorrent peer with its own DHT node.
    case dhtPeer(DHTPeer)
    /// A standalone DHT node (a bootstrap router such as router.bittorrent.com).
    case dhtNode(DHTNode)

    public enum Payload: Sendable, Hashable {
        case ping(PingApp.Payload)
        case bt(BTMessage)
        case dht(KRPCMessage)
    }

    /// Live commands for the applications.
    public enum Command: Sendable, Hashable, CustomStringConvertible {
        case peer(BTPeer.Command)
        public var description: String {
            switch self {
            case .peer(let c): return c.description
            }
        }
    }

    public mutating func handle(_ event: AppEvent<Payload>, io: inout HostIO<Payload>) {
        func bt(_ p: Payload) -> BTMessage? { if case .bt(let m) = p { m } else { nil } }
        switch self {
        case .idle:
            return
        case .ping(var app):
            guard let inner = event.mapPayload({ if case .ping(let p) = $0 { p } else { nil } }) else { return }
            io.embed(Payload.ping) { app.handle(inner, io: &$0) }
            self = .ping(app)
        case .tracker(var app):
            guard let inner = event.mapPayload(bt) else { return }
            self = .idle  // let the embedded value be uniquely referenced while it runs
            io.embed(Payload.bt) { app.handle(inner, io: &$0) }
            self = .tracker(app)
        case .peer(var app):
            guard let inner = event.mapPayload(bt) else { return }
            self = .idle
            io.embed(Payload.bt) { app.handle(inner, io: &$0) }
            self = .peer(app)
        case .fileServer(var app):
            guard let inner = event.mapPayload(bt) else { return }
            io.embed(Payload.bt) { app.handle(inner, io: &$0) }
            self = .fileServer(app)
        case .fileClient(var app):
            guard let inner = event.mapPayload(bt) else { return }
            io.embed(Payload.bt) { app.handle(inner, io: &$0) }
            self = .fileClient(app)
        case .dhtPeer(var app):
            self = .idle
            app.handle(event, io: &io)
            self = .dhtPeer(app)
        case .dhtNode(var app):
            guard let inner = event.mapPayload(DHTPeer.krpc) else { return }
            self = .idle
            io.embed(Payload.dht) { app.handle(inner, io: &$0) }
            self = .dhtNode(app)
        }
    }

    public mutating func command(_ command: Command, io: inout HostIO<Payload>) {
        switch (self, command) {
        case (.peer(var app), .peer(let c)):
            self = .idle
            io.embed(Payload.bt) { app.command(c, io: &$0) }
            self = .peer(app)
        case (.dhtPeer(var app), .peer(let c)):
            self = .idle
            app.command(c, io: &io)
            self = .dhtPeer(app)
        default:
            break
        }
    }

    public mutating func crash() {
        switch self {
        case .idle: break
        case .ping(var app): app.crash(); self = .ping(app)
        case .tracker(var app): app.crash(); self = .tracker(app)
        case .peer(var app): self = .idle; app.crash(); self = .peer(app)
        case .fileServer(var app): app.crash(); self = .fileServer(app)
        case .fileClient(var app): app.crash(); self = .fileClient(app)
        case .dhtPeer(var app): self = .idle; app.crash(); self = .dhtPeer(app)
        case .dhtNode(var app): self = .idle; app.crash(); self = .dhtNode(app)
        }
    }

    public static func digest(_ payload: Payload) -> UInt64 {
        switch payload {
        case .ping(let p): return PingApp.digest(p)
        case .bt(let m): return m.digest
        case .dht(let m): return m.digest
        }
    }

    /// The ping application's state, if that is what runs.
    public var ping: PingApp? { if case .ping(let a) = self { a } else { nil } }
    /// The BitTorrent peer's state, if that is what runs.
    public var peer: BTPeer? {
        switch self {
        case .peer(let a): return a
        case .dhtPeer(let a): return a.peer
        default: return nil
        }
    }
    /// The DHT node, for a peer that runs one or a standalone node.
    public var dht: DHTNode? {
        switch self {
        case .dhtPeer(let a): return a.dht
        case .dhtNode(let n): return n
        default: return nil
        }
    }
    public var tracker: BTTracker? { if case .tracker(let a) = self { a } else { nil } }
    public var fileClient: FileClient? { if case .fileClient(let a) = self { a } else { nil } }
    public var fileServer: FileServer? { if case .fileServer(let a) = self { a } else { nil } }

    static func peerKind(_ p: BTPeer) -> String { p.config.startAsSeed ? "seed" : (p.config.freeRider ? "free-rider" : "peer") }

    /// A short name of the application for displays.
    public var kind: String {
        switch self {
        case .idle: return "idle"
        case .ping: return "ping"
        case .tracker: return "tracker"
        case .peer(let p): return Self.peerKind(p)
        case .dhtPeer(let a): return Self.peerKind(a.peer)
        case .dhtNode: return "dht-node"
        case .fileServer: return "file-server"
        case .fileClient: return "file-client"
        }
    }
}

/// The simulation type every scenario builds.
public typealias ScenarioSimulation = Simulation<Internet<ScenarioApp>>

extension ScenarioApp {
    /// What this application's timer with `token` does, in words (the dashboard's "next event" line).
    public func timerName(_ token: UInt64) -> String? {
        switch self {
        case .ping: return "ping timer (send the next probe)"
        case .peer: return BTPeer.timerName(token)
        case .dhtPeer: return token == DHTPeer.lookupTimer ? "DHT get_peers lookup for the swarm" : BTPeer.timerName(token) ?? DHTNode.timerName(token)
        case .dhtNode: return DHTNode.timerName(token)
        case .fileClient: return "retry timer (connect to the server again)"
        case .idle, .tracker, .fileServer: return nil
        }
    }
}
