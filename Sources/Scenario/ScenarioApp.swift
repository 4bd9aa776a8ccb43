public import Network
public import SimKernel

/// The application a scenario host runs: one of the built-in applications, composed into one type so the
/// engine dispatches statically.
public enum ScenarioApp: HostApplication, Sendable {
    case idle
    case ping(PingApp)

    public enum Payload: Sendable, Hashable {
        case ping(PingApp.Payload)
    }

    public mutating func handle(_ event: AppEvent<Payload>, io: inout HostIO<Payload>) {
        switch self {
        case .idle:
            return
        case .ping(var app):
            guard let inner = event.mapPayload({ if case .ping(let p) = $0 { p } else { nil } }) else { return }
            io.embed(Payload.ping) { app.handle(inner, io: &$0) }
            self = .ping(app)
        }
    }

    public mutating func crash() {
        switch self {
        case .idle: break
        case .ping(var app): app.crash(); self = .ping(app)
        }
    }

    public static func digest(_ payload: Payload) -> UInt64 {
        switch payload {
        case .ping(let p): return PingApp.digest(p)
        }
    }

    /// The ping application's state, if that is what runs.
    public var ping: PingApp? { if case .ping(let a) = self { a } else { nil } }

    /// A short name of the application for displays.
    public var kind: String {
        switch self {
        case .idle: return "idle"
        case .ping: return "ping"
        }
    }
}

/// The simulation type every scenario builds.
public typealias ScenarioSimulation = Simulation<Internet<ScenarioApp>>
