public import Network
public import SimKernel
import Foundation

/// Churn: hosts alternate between sessions (online) and downtimes (offline), with durations drawn
/// from distributions, deterministically from a seed (each host from its own stream, so adding a host
/// does not change the others' schedules).
public struct ChurnModel: Sendable, Hashable {
    /// A distribution of durations.
    public enum Distribution: Sendable, Hashable {
        /// Exponential (memoryless) with this mean.
        case exponential(mean: SimDuration)
        /// Pareto with this mean and shape α > 1 (heavy-tailed, as measured P2P sessions are):
        /// scale = mean·(α−1)/α.
        case pareto(mean: SimDuration, shape: Double)
        /// Always this long.
        case fixed(SimDuration)

        /// One draw.
        public func sample(using rng: inout SimRandom) -> SimDuration {
            switch self {
            case .exponential(let mean):
                return rng.exponential(mean: mean)
            case .pareto(let mean, let shape):
                let a = Swift.max(shape, 1.000_001)
                let scale = Double(mean.nanoseconds) * (a - 1) / a
                let u = 1 - rng.unit()  // (0, 1]
                return .nanoseconds(Int64(Swift.min(scale / pow(u, 1 / a), 9e18)))
            case .fixed(let d):
                return d
            }
        }
    }

    /// How a host goes offline.
    public enum Departure: String, Sendable, Hashable {
        /// `NetControl.leave` then `.join` (graceful).
        case leave
        /// `NetControl.crash` then `.restart`.
        case crash
    }

    /// How long a host stays online each time.
    public var session: Distribution
    /// How long it stays offline before it comes back.
    public var downtime: Distribution
    /// Whether going offline is a graceful leave or a crash.
    public var departure: Departure

    /// A churn model; hosts leave gracefully unless `departure` says otherwise.
    public init(session: Distribution, downtime: Distribution, departure: Departure = .leave) {
        self.session = session; self.downtime = downtime; self.departure = departure
    }

    /// The schedule for `hosts`, online at `start`, until `end`, sorted by time then host.
    public func events(for hosts: [NodeID], from start: SimTime, until end: SimTime, seed: UInt64) -> [ChurnEvent] {
        var out: [ChurnEvent] = []
        for h in hosts {
            var rng = SimRandom(seed: seed ^ 0xC4_2C4_2C42, stream: UInt64(h))
            var t = start
            while true {
                t = t + Swift.max(.nanoseconds(1), session.sample(using: &rng))
                guard t < end else { break }
                out.append(ChurnEvent(time: t, host: h, up: false))
                t = t + Swift.max(.nanoseconds(1), downtime.sample(using: &rng))
                guard t < end else { break }
                out.append(ChurnEvent(time: t, host: h, up: true))
            }
        }
        out.sort { ($0.time, $0.host) < ($1.time, $1.host) }
        return out
    }

    /// Schedules the churn of `hosts` on a run as control actions; returns the events scheduled.
    @discardableResult
    public func schedule<App: HostApplication>(on state: inout SimState<Internet<App>>, hosts: [NodeID],
                                               from start: SimTime, until end: SimTime, seed: UInt64) -> [ChurnEvent] {
        let list = events(for: hosts, from: max(start, state.now), until: end, seed: seed)
        for e in list {
            switch (departure, e.up) {
            case (.leave, false): state.scheduleControl(.leave(e.host), at: e.time)
            case (.leave, true): state.scheduleControl(.join(e.host), at: e.time)
            case (.crash, false): state.scheduleControl(.crash(e.host), at: e.time)
            case (.crash, true): state.scheduleControl(.restart(e.host), at: e.time)
            }
        }
        return list
    }
}

/// One change of a host's presence.
public struct ChurnEvent: Sendable, Hashable {
    /// When the change happens.
    public var time: SimTime
    /// The host that goes or comes back.
    public var host: NodeID
    /// True when the host comes back, false when it goes.
    public var up: Bool
}
