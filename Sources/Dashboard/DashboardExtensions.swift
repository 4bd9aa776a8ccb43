public import Scenario

/// Fills part of a snapshot from a run: how protocol modules plug their state into the dashboard.
public typealias SnapshotContributor = @Sendable (ScenarioRun, inout DashboardSnapshot) -> Void

/// The one place where protocol modules plug into the dashboard.
///
/// - A swarm: write `DashboardSnapshot+BitTorrent.swift` with a
///   `static let captureSwarm: SnapshotContributor` that sets `snapshot.swarm` (and may add
///   `appDetails` to `snapshot.hosts`), and list it in `snapshotContributors`. The DHT likewise sets
///   `snapshot.dht`. Contributors run on the simulation thread, after the network part is built.
/// - Commands for the `:` line (`freeride peer-7`, `seed leave`, `join 10 leechers`): write
///   `CommandRegistry+BitTorrent.swift` with `static let bitTorrent: [CommandSpec]` and append it to
///   `commands`. A command with the name of a standard one replaces it (so `join 10 leechers` can
///   extend `join NAME`).
public enum DashboardExtensions {
    public static let snapshotContributors: [SnapshotContributor] = [
        { run, snapshot in snapshot.swarm = SwarmSnapshot.capture(from: run) },
        { run, snapshot in snapshot.dht = DHTSnapshot.capture(from: run) },
    ]
    public static let commands: [CommandSpec] = CommandRegistry.bitTorrent
}
