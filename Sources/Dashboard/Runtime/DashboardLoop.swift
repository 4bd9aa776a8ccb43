/// A terminal as the dashboard loop needs it. `TerminalCurses` implements it with ncurses; tests can
/// implement it in memory. Every method is called on the main thread.
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// True once the user asked to quit by a signal (Ctrl-C, SIGTERM, SIGHUP).
    var quitRequested: Bool { get }
    /// A function any thread may call to wake `waitForInput`.
    var waker: @Sendable () -> Void { get }
    /// Blocks until input arrives, `waker` is called or a signal arrives (no busy waiting), and returns
    /// the input events (possibly none).
    func waitForInput() -> [InputEvent]
    /// Shows `buffer`, writing only what changed since the last call.
    func draw(_ buffer: CellBuffer)
}

/// The UI loop: renders the latest snapshot, waits for input or a new snapshot, reduces input into UI
/// state and simulation commands. Runs on the main thread until the user quits.
public enum DashboardLoop {
    /// - Parameter handout: the lab's handout, for the help screen (`inetlab open labs/NN-name`).
    public static func run(backend: some TerminalBackend, host: SimulationHost, ascii: Bool, handout: Handout? = nil) {
        var snapshot: DashboardSnapshot?
        var generation = 0
        var ui = UIState(ascii: ascii, size: backend.size)
        ui.handout = handout
        var lastFrame: CellBuffer?
        var dirty = true
        while !backend.quitRequested {
            let latest = host.latest()
            if latest.generation != generation, let s = latest.snapshot {
                if snapshot == nil { ui = UIState.initial(for: s, ascii: ascii, size: backend.size, handout: handout) }
                generation = latest.generation
                snapshot = s
                ui.receive(s)
                dirty = true
            }
            if dirty {
                if ui.size != backend.size { ui.size = backend.size }
                let frame = snapshot.map { render($0, ui, size: ui.size) } ?? loading(ui.size, ascii: ascii)
                backend.draw(frame)
                lastFrame = frame
                dirty = false
            }
            for event in backend.waitForInput() {
                dirty = true
                guard let s = snapshot else {
                    if case .key(.char("q")) = event { return }
                    continue
                }
                for effect in handle(event, state: &ui, snapshot: s, lastFrame: lastFrame) {
                    switch effect {
                    case .quit: return
                    case .simulation(let c): host.send(c)
                    }
                }
            }
        }
    }

    static func loading(_ size: Size, ascii: Bool) -> CellBuffer {
        var b = CellBuffer(size: size, asciiOnly: ascii)
        b.centered("building the emulated Internet…", in: b.bounds, y: size.height / 2, style: Theme.dim)
        return b
    }
}
