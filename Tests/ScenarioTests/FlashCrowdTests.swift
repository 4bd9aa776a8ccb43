import Testing
@testable import Scenario
import SimKernel

/// 300 leechers join at the same instant. Each dials the peers its tracker answer lists; while those dials
/// are under way, everybody else is dialling it too. A peer that refused incoming connections while its own
/// dials were pending left most of the crowd unconnected (150/300 finished by 120 s); counting only
/// established connections, with the mainline client's separate limits, everyone finishes.
@Suite struct FlashCrowdTests {
    @Test func aCrowdJoiningAtOnceAllGetsConnectedAndFinishes() throws {
        let yaml = """
        name: flash
        seed: 1
        duration: 120s
        regions: [{name: eu}]
        swarms: [{name: f, file-size: 4MB, tracker: tracker}]
        hosts:
          - {group: tracker, up: 100Mbps, down: 100Mbps, app: {tracker: {}}}
          - {group: seed, up: 10Mbps, down: 10Mbps, app: {peer: {swarm: f, seed: true}}}
          - {group: leech, count: 300, up: 1Mbps, down: 10Mbps, app: {peer: {swarm: f}}}
        options: {log-capacity: 100}
        """
        let s = try runSwarm(yaml).report().swarms[0]
        #expect(s.completed == 300, "every leecher finishes within 120 s")
        #expect(s.stranded == 0)
        let time = try #require(s.distributionTimeS)
        #expect(time >= s.lowerBoundP2pS && time < 4 * s.lowerBoundP2pS, "\(time) s against a bound of \(s.lowerBoundP2pS) s")
        // Nobody holds more than twice the dialling limit.
        #expect(s.peersDetail.allSatisfy { $0.connections <= 100 })
    }
}
