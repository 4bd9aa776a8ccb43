// Runs a scenario headless in a release build and prints wall time, events/s and peak memory:
//   swift run -c release scenario-bench scenarios/peersim-equivalent.yaml [threads]
// (threads: 1 by default; 2 or more use the windowed parallel executor, with the same results)
import Foundation
import Scenario
import SimKernel

let args = CommandLine.arguments
guard args.count > 1 else { print("usage: scenario-bench FILE.yaml [threads]"); exit(2) }
let threads = args.count > 2 ? Int(args[2]) ?? 1 : 1
do {
    let loaded = try ScenarioLoader.load(path: args[1])
    let start = ContinuousClock.now
    let run = ScenarioRun(loaded, threads: threads)
    run.runToEnd()
    let d = ContinuousClock.now - start
    let wall = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    let report = run.report()
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let events = report.eventsDelivered
    print("\(loaded.spec.name): \(run.hostNames.count) hosts, \(events) events, wall \(String(format: "%.2f", wall)) s, \(String(format: "%.2f", Double(events) / wall / 1e6)) M events/s, peak RSS \(usage.ru_maxrss / 1024) MiB")
    print("  fingerprint \(report.fingerprint) (the same for any thread count)")
    for s in report.swarms {
        print("  swarm \(s.name): \(s.completed)/\(s.leechers) leechers complete, distribution \(s.distributionTimeS.map { String($0) } ?? "-") s, bound \(s.lowerBoundP2pS) s")
    }
} catch {
    print("\(error)")
    exit(2)
}
