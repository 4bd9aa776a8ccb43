import Testing
@testable import Scenario
import SimKernel

/// A peer whose connection dropped dials the address again when the tracker lists it again.
@Suite struct ReconnectTests {
    /// The seed crashes at 10 s and restarts at 20 s. The leecher is behind a NAT, so the restarted seed
    /// cannot dial it: only the leecher can reconnect, when its next announce lists the seed again.
    static let yaml = """
    name: reconnect
    seed: 1
    duration: 300s
    regions: [{name: eu}]
    swarms: [{name: f, file-size: 4MB, tracker: tracker}]
    hosts:
      - {group: tracker, up: 10Mbps, down: 10Mbps, app: {tracker: {interval: 30s}}}
      - {group: seed, up: 1Mbps, down: 10Mbps, app: {peer: {swarm: f, seed: true}}}
      - {group: leech, up: 1Mbps, down: 10Mbps, nat: port-restricted, app: {peer: {swarm: f}}}
    timeline:
      - {at: 10s, crash: seed}
      - {at: 20s, restart: seed}
    """

    @Test func aDroppedSeedIsDialledAgain() throws {
        let run = try runSwarm(Self.yaml)
        let leech = try #require(run.report().swarms[0].peersDetail.first { $0.name == "leech" })
        #expect(leech.completionS != nil, "the leecher reconnects to the restarted seed and completes")
        // Not before the back-off: the address was dialled at the start, and is dialled again a minute later.
        #expect((leech.completionS ?? 0) > 60)
        // The restarted seed tried to reach the leecher itself, and the NAT refused every attempt.
        #expect(run.report().totals.connectionsFailed > 0)
    }
}
