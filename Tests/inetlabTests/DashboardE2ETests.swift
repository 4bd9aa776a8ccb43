import Foundation
import Testing

/// The dashboard end to end: the real binary in a tmux session, driven with `send-keys` and read with
/// `capture-pane -p`. Skipped (visibly) when tmux is not installed.
enum Tmux {
    static let path: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs tmux and returns its status and output. `posix_spawn` + `waitpid`, output through a temporary
    /// file: a command that starts the tmux server must not leave the test waiting on a pipe or on
    /// `Process`'s exit monitoring, which the daemonised server inherits.
    @discardableResult
    static func run(_ args: [String]) -> (status: Int32, output: String) {
        guard let path else { return (127, "") }
        return spawn(path, args)
    }

    static func spawn(_ path: String, _ args: [String]) -> (status: Int32, output: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-e2e-\(UUID().uuidString).out").path
        defer { unlink(out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return (127, "cannot run \(path)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }
}

/// One tmux session running the dashboard; killed when the test ends.
final class DashboardSession {
    let name = "inetlab-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
    static let exitMarker = "INETLAB-EXITED"

    init(arguments: [String], width: Int = 80, height: Int = 24) throws {
        guard let binary = CLI.binary else { throw CLIError.notBuilt }
        let args = arguments.map { "'\($0)'" }.joined(separator: " ")
        // A small shell wrapper: run the dashboard, then print a marker with its exit status. The wrapper
        // ignores SIGINT itself (as an interactive shell does), so Ctrl-C reaches only the dashboard.
        let script = "trap '' INT; LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '\(binary.path)' \(args); echo \(Self.exitMarker)-$?; sleep 600"
        // A tmux server that is exiting (its last session was just killed) refuses new sessions for a moment: retry.
        var r = Tmux.run(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "-c", CLI.root.path, "sh", "-c", script])
        for _ in 0..<20 where r.status != 0 {
            Thread.sleep(forTimeInterval: 0.1)
            r = Tmux.run(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "-c", CLI.root.path, "sh", "-c", script])
        }
        guard r.status == 0 else { throw CLIError.notBuilt }
    }

    deinit { Tmux.run(["kill-session", "-t", name]) }

    func keys(_ keys: String...) { Tmux.run(["send-keys", "-t", name] + keys) }
    /// Types literal text (no key names).
    func type(_ text: String) { Tmux.run(["send-keys", "-t", name, "-l", text]) }
    func resize(_ width: Int, _ height: Int) { Tmux.run(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"]) }
    var screen: String { Tmux.run(["capture-pane", "-p", "-t", name]).output }
    /// Whether the program in the pane asked for mouse reports (ncurses' `mousemask`), in SGR (1006) encoding.
    var mouseReporting: Bool {
        Tmux.run(["display-message", "-p", "-t", name, "#{mouse_standard_flag}#{mouse_sgr_flag}"]).output.hasPrefix("11")
    }
    /// A left click at cell (x, y), 0-based, as the terminal reports it: the SGR (1006) press and release
    /// sequences, typed into the pane literally (tmux's `send-keys -M` only forwards real mouse events).
    func click(x: Int, y: Int) {
        type("\u{1B}[<0;\(x + 1);\(y + 1)M")
        type("\u{1B}[<0;\(x + 1);\(y + 1)m")
    }
    /// One notch of the mouse wheel at (x, y).
    func wheel(down: Bool, x: Int, y: Int) { type("\u{1B}[<\(down ? 65 : 64);\(x + 1);\(y + 1)M") }
    var alternateScreen: Bool { Tmux.run(["display-message", "-p", "-t", name, "#{alternate_on}"]).output.hasPrefix("1") }
    var panePID: Int32? { Int32(Tmux.run(["display-message", "-p", "-t", name, "#{pane_pid}"]).output.trimmingCharacters(in: .whitespacesAndNewlines)) }

    /// Waits until the screen satisfies `condition` (up to `timeout` seconds), then until it settles;
    /// returns the last screen.
    ///
    /// A capture can land in the middle of a redraw: ncurses writes the changed lines top to bottom, and
    /// tmux may show the new status line above a stale message line. So once the condition holds, the
    /// screen is read again until two reads 50 ms apart agree (a running simulation never settles: after
    /// a few reads the last one that still satisfies the condition is returned).
    @discardableResult
    func wait(timeout: Double = 15, _ what: Comment, sourceLocation: SourceLocation = #_sourceLocation,
              until condition: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = screen
            var reads = 0
            while condition(last) {
                if reads == 10 { return last }  // still changing: a running simulation
                Thread.sleep(forTimeInterval: 0.05)
                let again = screen
                if again == last { return again }
                last = again
                reads += 1
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("timed out waiting for \(what); the screen was:\n\(last)", sourceLocation: sourceLocation)
        return last
    }

    @discardableResult
    func wait(for text: String, timeout: Double = 15, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        wait(timeout: timeout, "'\(text)'", sourceLocation: sourceLocation) { $0.contains(text) }
    }
}

@Suite(.serialized, .enabled(if: Tmux.path != nil, "tmux is not installed (apt-get install -y tmux)"))
struct DashboardE2ETests {
    @Test func stepCrashResizeAndQuit() throws {
        let s = try DashboardSession(arguments: ["open", "labs/00-hello"])
        var screen = s.wait(for: "round 1/12")
        #expect(screen.contains("hello") && screen.contains("PAUSED"))
        #expect(screen.contains("server") && screen.contains("home-fwd"))  // the network view
        #expect(s.alternateScreen)

        // Step two rounds, then one back.
        s.keys("n")
        s.wait(for: "round 2/12")
        s.keys("n")
        screen = s.wait(for: "round 3/12")
        #expect(screen.contains("t 20s/2m00s"))
        s.keys("b")
        screen = s.wait(for: "back to the end of round 1")
        #expect(screen.contains("round 2/12") && screen.contains("t 10s/2m00s"))

        // Crash the server from the command line, with tab completion.
        s.keys(":")
        s.type("crash se")
        s.keys("Tab")
        s.wait(for: ":crash server")
        s.keys("Enter")
        screen = s.wait(for: "crash server at 10s")
        #expect(screen.contains("CRASHED"))
        s.keys("5")
        s.wait(for: "inject.crash")

        // Stepping back past the injection undoes it.
        s.keys("b", "4")
        screen = s.wait(timeout: 10, "the server running again") { $0.contains("back to") && !$0.contains("CRASHED") }
        #expect(screen.contains("round 2/12"))

        // Resize: bigger (the status line grows), too small (a clear message), back.
        s.resize(120, 40)
        screen = s.wait(for: "seed 7")
        #expect(screen.contains("8 hosts, 2 regions"))
        s.resize(60, 20)
        s.wait(for: "Terminal too small")
        s.resize(80, 24)
        s.wait(for: "round 2/12")

        // Quit: the shell gets the terminal back.
        s.keys("q")
        screen = s.wait(for: "\(DashboardSession.exitMarker)-0")
        #expect(!screen.contains("PAUSED"))
        #expect(!s.alternateScreen)
    }

    @Test func controlCAndSigtermRestoreTheTerminal() throws {
        let a = try DashboardSession(arguments: [])
        a.wait(for: "swarm behind NATs")
        a.keys("C-c")
        a.wait(for: "\(DashboardSession.exitMarker)-0")
        #expect(!a.alternateScreen)

        let b = try DashboardSession(arguments: ["open", "labs/00-hello/hello.yaml"])
        b.wait(for: "round 1/12")
        let shell = try #require(b.panePID)
        let child = Tmux.spawn("/usr/bin/pgrep", ["-P", "\(shell)"]).output.split(separator: "\n").compactMap { Int32($0) }.first
        let pid = try #require(child)
        #expect(kill(pid, SIGTERM) == 0)
        // Killed by SIGTERM, it exits as such (128 + 15) once the terminal is restored; q and Ctrl-C exit 0.
        let screen = b.wait(for: "\(DashboardSession.exitMarker)-143")
        #expect(!screen.contains("PAUSED"))
        #expect(!b.alternateScreen)
    }

    @Test func runningAndPausingUseTheSimulationThread() throws {
        let s = try DashboardSession(arguments: ["open", "labs/00-hello", "--ascii"])
        s.wait(for: "round 1/12")
        s.keys(":")
        s.type("speed max")
        s.keys("Enter", "Space")
        let screen = s.wait(timeout: 30, "the run to finish") { $0.contains("FINISHED") }
        #expect(screen.contains("round 12/12") && screen.contains("fingerprint"))
        let ascii = screen.unicodeScalars.allSatisfy(\.isASCII)
        #expect(ascii)
        s.keys("q")
        s.wait(for: "\(DashboardSession.exitMarker)-0")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/stat"), "needs /proc to read CPU time"))
    func pausedItUsesNoCPU() throws {
        let s = try DashboardSession(arguments: ["open", "labs/00-hello"])
        s.wait(for: "round 1/12")
        let shell = try #require(s.panePID)
        let pid = try #require(Tmux.spawn("/usr/bin/pgrep", ["-P", "\(shell)"]).output.split(separator: "\n").compactMap { Int32($0) }.first)
        /// utime + stime of the process, in clock ticks (/proc/PID/stat fields 14 and 15).
        func cpuTicks() throws -> Int {
            let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
            return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let before = try cpuTicks()
        Thread.sleep(forTimeInterval: 2)
        let used = try cpuTicks() - before
        #expect(used <= 2, "paused, the dashboard used \(used) clock ticks of CPU in 2 s")
        s.keys("q")
        s.wait(for: "\(DashboardSession.exitMarker)-0")
    }

    /// On an 80×24 terminal the inspector is an overlay longer than the screen: `G` scrolls it to its end
    /// (the selected peer's swarm figures) and `g` back to its top.
    @Test func theInspectorScrollsOnASmallTerminal() throws {
        let s = try DashboardSession(arguments: [])
        _ = s.wait(for: "peer-3")
        s.keys("Enter")
        var screen = s.wait(for: "j/k scroll")
        #expect(screen.contains("public address") && !screen.contains("share ratio"))
        s.keys("G")
        screen = s.wait(for: "share ratio")
        #expect(!screen.contains("public address"))
        s.keys("g")
        _ = s.wait(for: "public address")
        s.keys("Escape")
        screen = s.wait(for: "›seed")
        #expect(!screen.contains("j/k scroll"))
        s.keys("q")
        s.wait(for: "\(DashboardSession.exitMarker)-0")
    }

    @Test func mouseClicksSelectARowAndATab() throws {
        let s = try DashboardSession(arguments: [])
        var screen = s.wait(for: "peer-3")
        s.wait(timeout: 5, "mouse reporting on") { _ in s.mouseReporting }
        #expect(screen.contains("›seed"), "the first peer is selected at the start")
        // Click a peer row of the swarm view: it becomes the selection.
        var lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try #require(lines.firstIndex { $0.hasPrefix(" peer-3 ") })
        s.click(x: 4, y: row)
        screen = s.wait(for: "›peer-3")
        #expect(!screen.contains("›seed"))
        // Click a tab in the tab bar: the choke view opens on the selected peer.
        let tab = try #require(lines[1].range(of: "2 Choke rounds"))
        s.click(x: lines[1].distance(from: lines[1].startIndex, to: tab.lowerBound) + 2, y: 1)
        screen = s.wait(for: "peer-3 · leech")
        #expect(screen.contains("PEERS"))
        // The wheel moves the selection (three rows a notch).
        lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        s.wheel(down: true, x: 4, y: 8)
        s.wait(for: "peer-6 · leech")
        s.keys("q")
        s.wait(for: "\(DashboardSession.exitMarker)-0")
        #expect(!s.alternateScreen)
    }

    @Test func joinTenLeechersFromTheCommandLineAndStepBack() throws {
        let s = try DashboardSession(arguments: [])
        var screen = s.wait(for: "31 peers")
        s.keys(":")
        s.type("join 10 l")
        s.keys("Tab")
        s.wait(for: ":join 10 leechers")
        s.keys("Enter")
        screen = s.wait(for: "41 peers")
        #expect(screen.contains("join 10 leechers: reserve-1 … reserve-10 (10 hosts) at 0s"))
        s.keys("5")
        s.wait(for: "inject.join")
        // None left: the line stays open with the error.
        s.keys(":")
        s.type("join 1 leechers")
        s.keys("Enter")
        s.wait(for: "no absent leechers left")
        s.keys("Escape", "1", "b")
        screen = s.wait(for: "back to the start")
        #expect(screen.contains("31 peers"))
        s.keys("q")
        s.wait(for: "\(DashboardSession.exitMarker)-0")
    }

    @Test func openALabFolderShowsItsHandoutInTheHelp() throws {
        let lab = FileManager.default.temporaryDirectory.appendingPathComponent("inetlab-e2e-\(UUID().uuidString)/07-demo")
        try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: lab.deletingLastPathComponent()) }
        let hello = try String(contentsOf: CLI.root.appendingPathComponent("labs/00-hello/hello.yaml"), encoding: .utf8)
        try hello.write(to: lab.appendingPathComponent("pings.yaml"), atomically: true, encoding: .utf8)
        // Alphabetically first, but not what the handout opens (and not a valid scenario).
        try "not: a scenario\n".write(to: lab.appendingPathComponent("a-broken.yaml"), atomically: true, encoding: .utf8)
        try "checks: []\n".write(to: lab.appendingPathComponent("checks.yaml"), atomically: true, encoding: .utf8)
        try """
        # Pings behind NATs

        ## Steps

        1. Open `pings.yaml` and step two rounds with `n`.
        2. Crash the server: `:crash server`.
        """.write(to: lab.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)

        let s = try DashboardSession(arguments: ["open", lab.path])
        s.wait(for: "round 1/12")
        s.keys("?")
        let screen = s.wait(for: "Lab 07-demo: Pings behind NATs")
        #expect(screen.contains("1. Open pings.yaml and step two rounds with n."))
        #expect(screen.contains("2. Crash the server: :crash server."))
        s.keys("Escape", "q")
        s.wait(for: "\(DashboardSession.exitMarker)-0")
    }

    @Test func withoutATerminalItSaysSoAndSuggestsRun() throws {
        let r = try CLI.run([])
        #expect(r.status == 1)
        #expect(r.stderr.contains("needs a terminal") && r.stderr.contains("inetlab run"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        let open = try CLI.run(["open", "labs/00-hello"])
        #expect(open.status == 1 && open.stderr.contains("inetlab run labs/00-hello/hello.yaml"))
    }
}
