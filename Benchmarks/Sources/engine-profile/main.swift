// A plain executable for profiling the engine (perf, valgrind) and quick figures:
//   swift run -c release engine-profile [threads] [workPerEvent] [nodes]
import SimKernel
import Foundation

let args = CommandLine.arguments
let threads = args.count > 1 ? Int(args[1]) ?? 1 : 1
let work = args.count > 2 ? Int(args[2]) ?? 0 : 0
let nodes = args.count > 3 ? Int(args[3]) ?? 1000 : 1000
var times: [Double] = []
var events: UInt64 = 0
for _ in 0..<5 {
    let sim = SyntheticWorkload.simulation(nodes: nodes, tokensPerNode: 8, seed: 1, threads: threads, workPerEvent: work)
    let start = ContinuousClock.now
    sim.run(until: .seconds(20))
    let d = ContinuousClock.now - start
    times.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    events = sim.state.eventsDelivered
}
times.sort()
let median = times[times.count / 2]
print("nodes=\(nodes) threads=\(threads) work=\(work): \(events) events, median \(String(format: "%.3f", median)) s, \(String(format: "%.2f", Double(events) / median / 1e6)) M events/s")
