import CNcursesw
public import Dashboard
import Dispatch
import Foundation
import Synchronization

/// Why the terminal could not be set up.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// How to draw, decided from the environment and the options.
public struct TerminalOptions: Sendable {
    /// Draw with ASCII only (`--ascii`).
    public var ascii = false
    /// Options; `ascii` forces ASCII-only drawing.
    public init(ascii: Bool = false) { self.ascii = ascii }
}

/// The ncurses backend: the only code that calls ncurses.
///
/// - Set-up: `setlocale(LC_ALL, "")` first; Unicode drawing only when the locale's codeset is UTF-8 (and
///   not `--ascii`, not `TERM=dumb`); colours unless `NO_COLOR` is set or the terminal has none. With
///   `TERM=dumb` (or no TERM), it drives the terminal as a VT100: ASCII, monochrome.
/// - Restore: `endwin()` on `close()` (every normal exit path calls it), on SIGINT/SIGTERM/SIGHUP (turned
///   into a quit request by dispatch signal sources, so the main loop exits and closes), and on fatal
///   signals (a C handler calls `endwin()` before dying).
/// - Drawing: a diff against the previous frame; only changed cells are written, then one `doupdate()`.
/// - Input: `poll()` on the terminal and a wake pipe, so waiting uses no CPU; `KEY_RESIZE` and mouse
///   events are decoded into `InputEvent`s.
///
/// Every method must be called on the main thread (ncurses is not thread-safe); only `waker` may be
/// called from other threads: it writes one byte to the wake pipe.
public final class CursesTerminal: TerminalBackend {
    /// Whether drawing is ASCII-only (no UTF-8 locale, `--ascii`, or `TERM=dumb`).
    public let asciiOnly: Bool
    /// Whether colours are used.
    public let colors: Bool
    /// Wakes a blocked `waitForInput()`; the one member that may be called from any thread.
    public let waker: @Sendable () -> Void

    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let quitFlag: QuitFlag
    private var signalSources: [any DispatchSourceSignal] = []
    private var front: CellBuffer?
    private var pairs: [UInt16: Int16] = [:]
    private var nextPair: Int16 = 1
    private var closed = false
    private var screen: OpaquePointer?

    /// A flag set by signal handlers (on a dispatch queue) and read by the main thread.
    final class QuitFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        private let signal = Atomic<Int32>(0)
        func set(by signal: Int32) {
            self.signal.store(signal, ordering: .sequentiallyConsistent)
            flag.store(true, ordering: .sequentiallyConsistent)
        }
        var isSet: Bool { flag.load(ordering: .sequentiallyConsistent) }
        /// The signal that asked to quit (0: none).
        var setBy: Int32 { signal.load(ordering: .sequentiallyConsistent) }
    }

    /// Takes over the terminal. Throws if standard input/output is not a terminal ncurses can drive.
    public init(options: TerminalOptions = TerminalOptions()) throws {
        setlocale(LC_ALL, "")
        let env = ProcessInfo.processInfo.environment
        let term = env["TERM"] ?? ""
        let utf8 = String(cString: inetlab_codeset()).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        asciiOnly = options.ascii || !utf8 || term == "dumb" || term.isEmpty

        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TerminalError(description: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        wakeRead = fds[0]; wakeWrite = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let writeFD = wakeWrite
        waker = { var b: UInt8 = 1; _ = write(writeFD, &b, 1) }
        let quit = QuitFlag()
        quitFlag = quit

        // Ctrl-C, SIGTERM, SIGHUP: ignore the default action (ncurses then installs no handler of its own)
        // and turn them into a quit request that the main loop sees.
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let wake = waker
            source.setEventHandler { quit.set(by: sig); wake() }
            source.resume()
            signalSources.append(source)
        }

        // A dumb terminal (or none named) cannot position the cursor: draw as a VT100, in ASCII and
        // monochrome, which any terminal emulator that a user set to TERM=dumb still understands.
        let dumb = term == "dumb" || term.isEmpty
        let opened = dumb ? "vt100".withCString { inetlab_newterm($0) } : inetlab_newterm(nil)
        guard let screen = opened else {
            Self.cancel(signalSources)
            throw TerminalError(description: "cannot drive this terminal (TERM=\(term.isEmpty ? "unset" : term)); try TERM=xterm, or `inetlab run` for a text report")
        }
        self.screen = screen
        inetlab_install_fatal_handlers()
        cbreak()
        noecho()
        nonl()
        _ = keypad(inetlab_stdscr(), true)
        _ = nodelay(inetlab_stdscr(), true)
        _ = curs_set(0)
        _ = set_escdelay(25)
        _ = mousemask(inetlab_mouse_events(), nil)
        _ = mouseinterval(0)
        let noColor = !(env["NO_COLOR"] ?? "").isEmpty
        if !noColor && has_colors() {
            start_color()
            _ = use_default_colors()
            colors = true
        } else {
            colors = false
        }
        // Leave a clean screen: the first frame is drawn in full.
        _ = wclear(inetlab_stdscr())
    }

    deinit { close() }

    /// Gives the terminal back: `endwin()`, signal handlers reset. Safe to call more than once.
    public func close() {
        guard !closed else { return }
        closed = true
        _ = curs_set(1)
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
        inetlab_reset_fatal_handlers()
        cleanUpSignals()
        Foundation.close(wakeRead)
        Foundation.close(wakeWrite)
    }

    private func cleanUpSignals() {
        Self.cancel(signalSources)
        signalSources = []
    }

    private static func cancel(_ sources: [any DispatchSourceSignal]) {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { signal(sig, SIG_DFL) }
    }

    /// True once SIGINT, SIGTERM, SIGHUP or SIGQUIT arrived: the main loop should exit and `close()`.
    public var quitRequested: Bool { quitFlag.isSet }
    /// The signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) that asked the dashboard to quit, if one did.
    public var quitSignal: Int32? { quitFlag.isSet && quitFlag.setBy != 0 ? quitFlag.setBy : nil }

    /// The terminal's current size in character cells.
    public var size: Size { Size(width: Int(inetlab_getmaxx()), height: Int(inetlab_getmaxy())) }

    // MARK: Input

    /// Blocks (without using CPU) until there is input, a resize, a wake-up or a quit request;
    /// returns the decoded events, possibly none.
    public func waitForInput() -> [InputEvent] {
        var events = readKeys()
        if !events.isEmpty || quitRequested { return events }
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        // Blocks with no timeout: input, the waker (a new snapshot, a signal) or SIGWINCH (EINTR) end it.
        _ = poll(&fds, 2, -1)
        var drain = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &drain, drain.count) > 0 {}
        events = readKeys()
        return events
    }

    /// Everything ncurses has for us now (nodelay).
    private func readKeys() -> [InputEvent] {
        var out: [InputEvent] = []
        while true {
            var ch: wint_t = 0
            let r = inetlab_get_wch(&ch)
            if r == ERR { break }
            if r == KEY_CODE_YES {
                if let e = decodeKeyCode(Int32(ch)) { out.append(e) }
            } else if let e = decodeChar(UInt32(ch)) {
                out.append(e)
            }
            if out.count > 256 { break }
        }
        return out
    }

    private func decodeKeyCode(_ code: Int32) -> InputEvent? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_BTAB: return .key(.backTab)
        case KEY_ENTER: return .key(.enter)
        case KEY_RESIZE: return .resize(size)
        case KEY_MOUSE:
            var x: Int32 = 0, y: Int32 = 0
            switch inetlab_getmouse(&x, &y) {
            case 1: return .click(x: Int(x), y: Int(y))
            case 4: return .scroll(up: true)
            case 5: return .scroll(up: false)
            default: return nil
            }
        default: return nil
        }
    }

    private func decodeChar(_ c: UInt32) -> InputEvent? {
        switch c {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26:
            guard let s = Unicode.Scalar(c + 96) else { return nil }
            return .key(.ctrl(Character(s)))
        default:
            guard c >= 32, let s = Unicode.Scalar(c) else { return nil }
            return .key(.char(Character(s)))
        }
    }

    // MARK: Output

    private func attributes(_ style: Style) -> (attr_t, Int16) {
        var a = inetlab_a_normal()
        if style.bold { a |= inetlab_a_bold() }
        if style.reverse { a |= inetlab_a_reverse() }
        if style.dim { a |= inetlab_a_dim() }
        if style.underline { a |= inetlab_a_underline() }
        guard colors, style.fg != .default || style.bg != .default else { return (a, 0) }
        let key = UInt16(style.fg.rawValue) << 8 | UInt16(style.bg.rawValue)
        if let p = pairs[key] { return (a, p) }
        guard Int(nextPair) < Int(inetlab_color_pairs()) else { return (a, 0) }
        func curses(_ c: Color) -> Int16 {
            switch c {
            case .default: return -1
            case .black: return Int16(COLOR_BLACK)
            case .red: return Int16(COLOR_RED)
            case .green: return Int16(COLOR_GREEN)
            case .yellow: return Int16(COLOR_YELLOW)
            case .blue: return Int16(COLOR_BLUE)
            case .magenta: return Int16(COLOR_MAGENTA)
            case .cyan: return Int16(COLOR_CYAN)
            case .white: return Int16(COLOR_WHITE)
            }
        }
        let p = nextPair
        nextPair += 1
        _ = init_pair(p, curses(style.fg), curses(style.bg))
        pairs[key] = p
        return (a, p)
    }

    /// Writes the cells that differ from the previous frame, in runs of one style, then refreshes once.
    public func draw(_ buffer: CellBuffer) {
        guard !closed else { return }
        let full = front == nil || front?.size != buffer.size
        if full { _ = werase(inetlab_stdscr()) }
        let w = buffer.size.width
        var run = ""
        for y in 0..<buffer.size.height {
            var x = 0
            while x < w {
                let cell = buffer[x, y]
                if !full, let f = front, f[x, y] == cell { x += 1; continue }
                // A run of changed cells with the same style.
                let start = x
                let style = cell.style
                run.removeAll(keepingCapacity: true)
                while x < w {
                    let c = buffer[x, y]
                    guard c.style == style, full || front?[x, y] != c else { break }
                    run.append(c.char)
                    x += 1
                }
                let (a, p) = attributes(style)
                _ = inetlab_attr_set(a, p)
                _ = run.withCString { inetlab_mvaddnstr(Int32(y), Int32(start), $0, -1) }
            }
        }
        _ = inetlab_attr_set(inetlab_a_normal(), 0)
        _ = wnoutrefresh(inetlab_stdscr())
        _ = doupdate()
        front = buffer
    }
}
