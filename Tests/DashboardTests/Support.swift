import Dashboard
import Foundation
import Scenario
import SimKernel
import Testing

/// Paths of the repository and the snapshot folder.
enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let snapshots = tests.appendingPathComponent("Snapshots")
    static let hello = root.appendingPathComponent("labs/00-hello/hello.yaml").path
}

/// Screen snapshots as text: `Tests/DashboardTests/Snapshots/NAME.txt`, one line per row.
/// `RECORD_SNAPSHOTS=1 swift test --filter DashboardTests` (re)records them; otherwise a difference fails
/// the test with the differing rows side by side.
func expectScreen(_ buffer: CellBuffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = Paths.snapshots.appendingPathComponent(name + ".txt")
    let actual = buffer.lines.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: Paths.snapshots, withIntermediateDirectories: true)
        do { try actual.write(to: url, atomically: true, encoding: .utf8) } catch {
            Issue.record("cannot record \(url.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no snapshot \(name).txt; record it with RECORD_SNAPSHOTS=1 swift test --filter DashboardTests", sourceLocation: sourceLocation)
        return
    }
    guard expected != actual else { return }
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var report = "screen \(name) differs from Snapshots/\(name).txt (RECORD_SNAPSHOTS=1 re-records):\n"
    var shown = 0
    for i in 0..<max(e.count, a.count) where shown < 12 {
        let x = i < e.count ? e[i] : "<none>", y = i < a.count ? a[i] : "<none>"
        if x != y {
            report += "row \(i):\n  expected |\(x)|\n  actual   |\(y)|\n"
            shown += 1
        }
    }
    Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
}

/// The hello lab, loaded once per use (runs are not shared between tests).
func helloScenario() throws -> LoadedScenario {
    try ScenarioLoader.load(path: Paths.hello)
}

/// A driver on the hello lab (seed 7), stepped `rounds` rounds the way the UI does (a snapshot after each).
func helloDriver(rounds: Int = 0) throws -> SimulationDriver {
    let driver = SimulationDriver(run: ScenarioRun(try helloScenario(), keepCheckpoints: true))
    _ = driver.snapshot()
    for _ in 0..<rounds {
        driver.apply(.nextRound)
        _ = driver.snapshot()
    }
    return driver
}

/// A UI state for tests (Unicode, given size).
func ui(_ tab: Tab, width: Int = 80, height: Int = 24, ascii: Bool = false) -> UIState {
    UIState(tab: tab, ascii: ascii, size: Size(width: width, height: height))
}

/// Feeds keys through the reducer; returns the effects.
@discardableResult
func press(_ keys: [Key], _ state: inout UIState, _ snapshot: DashboardSnapshot) -> [Effect] {
    var effects: [Effect] = []
    for k in keys { effects += handle(.key(k), state: &state, snapshot: snapshot, lastFrame: nil) }
    return effects
}

/// Keys for typing `text`.
func typing(_ text: String) -> [Key] { text.map { .char($0) } }
