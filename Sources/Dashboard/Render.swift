/// Renders the whole screen: a pure function of the snapshot, the UI state and the size.
///
/// Layout: the status line (row 0), the tab bar (row 1), the current view, then a message line and the
/// footer of the keys that work here. The inspector is a side panel on wide screens, an overlay on
/// narrow ones; the help is an overlay. Below 80×24 only a message asking for a bigger window is drawn.
public func render(_ snapshot: DashboardSnapshot, _ ui: UIState, size: Size) -> CellBuffer {
    var buf = CellBuffer(size: size, asciiOnly: ui.ascii)
    guard size.width >= Size.minimum.width, size.height >= Size.minimum.height else {
        drawTooSmall(&buf, size: size)
        return buf
    }
    let g = ui.glyphs
    drawStatusLine(&buf, snapshot, ui, width: size.width)
    drawTabBar(&buf, snapshot, ui, width: size.width)
    let body = bodyRect(size)
    var main = body
    var panel: Rect?
    if ui.inspectorOpen && !ui.inspectorIsOverlay {
        let w = inspectorPanelWidth(size.width)
        (main, _) = body.splitRight(w)
        panel = body.splitRight(w).1
    }
    drawView(ui.tab, &buf, snapshot, ui, in: main)
    if ui.inspectorOpen {
        if let panel {
            let inner = buf.frame(panel, title: "Inspector (pgup/pgdn scroll)", glyphs: g)
            InspectorView.draw(&buf, snapshot, ui, in: inner)
        } else {
            let box = body.centered(width: min(body.width - 4, 72), height: body.height)
            buf.fill(box)
            buf.clearHitRegions(in: box)
            let inner = buf.frame(box, title: "Inspector (enter/esc closes, j/k scroll)", glyphs: g)
            InspectorView.draw(&buf, snapshot, ui, in: inner)
        }
    }
    if ui.mode == .help {
        let box = body
        buf.fill(box)
        buf.clearHitRegions(in: box)
        let inner = buf.frame(box, title: "Help — esc or ? closes, j/k scroll", glyphs: g)
        HelpView.draw(&buf, snapshot, ui, in: inner)
    }
    drawMessageLine(&buf, snapshot, ui, y: size.height - 2, width: size.width)
    drawFooter(&buf, snapshot, ui, y: size.height - 1, width: size.width)
    return buf
}

/// The inspector's side panel on a screen `width` wide (≥ 120): a third of it, at least 48 columns so its
/// labels fit, at most 56.
func inspectorPanelWidth(_ width: Int) -> Int { min(56, max(48, width / 3)) }

/// A key as the footer names it: short forms (`spc`, `⏎`) so that more keys fit on 80 columns.
func footerLabel(_ key: Key?, ascii: Bool) -> String {
    switch key {
    case nil: return ""
    case .char(" ")?: return "spc"
    case .enter? where !ascii: return "\u{23CE}"
    case let k?: return ascii ? k.asciiDescription : k.description
    }
}

/// Where the views (and the inspector and help boxes) go: below the status line and the tab bar, above
/// the message line and the footer.
func bodyRect(_ size: Size) -> Rect { Rect(x: 0, y: 2, width: size.width, height: size.height - 4) }

/// Draws one view into `rect`.
func drawView(_ tab: Tab, _ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
    switch tab {
    case .swarm: SwarmView.draw(&buf, s, ui, in: rect)
    case .choke: ChokeView.draw(&buf, s, ui, in: rect)
    case .dht: DHTView.draw(&buf, s, ui, in: rect)
    case .network: NetworkView.draw(&buf, s, ui, in: rect)
    case .events: EventsView.draw(&buf, s, ui, in: rect)
    case .rounds: RoundsView.draw(&buf, s, ui, in: rect)
    }
}

func drawTooSmall(_ buf: inout CellBuffer, size: Size) {
    let lines = [
        "Terminal too small: \(size.width)x\(size.height)",
        "inetlab needs at least \(Size.minimum.width)x\(Size.minimum.height).",
        "Enlarge the window, or press q to quit.",
    ]
    let top = max(0, (size.height - lines.count) / 2)
    for (i, l) in lines.enumerated() {
        buf.centered(l, in: buf.bounds, y: top + i, style: i == 0 ? Theme.warn : Theme.text)
    }
}

func drawStatusLine(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, width: Int) {
    let g = ui.glyphs
    let bar = Theme.statusBar
    buf.fill(Rect(x: 0, y: 0, width: width, height: 1), " ", bar)
    let state: String
    if s.isFinished { state = "FINISHED" } else if s.isRunning { state = "\(g.play) RUNNING" } else { state = "\(g.pause) PAUSED" }
    // The run state stands out: bold, and coloured when there is colour.
    let stateStyle = s.isRunning ? Style(fg: .green, bold: true, reverse: true) : Style(fg: .yellow, bold: true, reverse: true)
    let sep = " \(g.vertical) "
    var parts: [(String, Style)] = [
        (" ", bar), (CellBuffer.fit(s.scenario, width: width >= 100 ? 40 : 18), bar), (sep, bar),
        (state, stateStyle), (sep, bar),
        ("t \(Format.time(s.time))/\(Format.time(s.endTime))", bar), (sep, bar),
        ("round \(s.currentRound)/\(s.totalRounds)", bar), (sep, bar),
        ("\(s.speed)", bar), (sep, bar),
        ("\(Format.si(s.eventsPerSecond)) ev/s", bar),
    ]
    if width >= 110 { parts += [(sep, bar), ("seed \(s.seed)", bar)] }
    if width >= 140 { parts += [(sep, bar), ("\(Format.count(s.eventsDelivered)) events, \(Format.count(s.pendingEvents)) pending", bar)] }
    buf.spans(parts, x: 0, y: 0, maxX: width)
}

func drawTabBar(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, width: Int) {
    var x = 0
    for t in Tab.allCases {
        let empty = (t == .swarm || t == .choke) && s.swarm == nil || t == .dht && s.dht == nil
        let label = " \(t.rawValue) \(t.title) "
        let style = t == ui.tab ? Theme.activeTab : (empty ? Theme.dim : Theme.tab)
        let n = buf.put(label, x: x, y: 1, style: style, maxWidth: width - x)
        buf.addHitRegion(Rect(x: x, y: 1, width: n, height: 1), .tab(t))
        x += n + 1
        if x >= width { break }
    }
    if ui.inspectorOpen, x + 12 < width { buf.put("[inspector]", x: width - 12, y: 1, style: Theme.info) }
}

func drawMessageLine(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, y: Int, width: Int) {
    let g = ui.glyphs
    if let m = ui.message {
        buf.put(m.text, x: 1, y: y, style: m.isError ? Theme.error : Theme.info, maxWidth: width - 2)
        return
    }
    switch ui.mode {
    case .command:
        let names = CommandRegistry.default.commands.map(\.name).joined(separator: " ")
        buf.put("commands: \(names) (tab completes)", x: 1, y: y, style: Theme.dim, maxWidth: width - 2)
    case .filter:
        let n = Lists.events(s, ui).count
        buf.put("\(n) of \(s.log.count) events match · node:NAME kind:PREFIX words", x: 1, y: y, style: Theme.dim, maxWidth: width - 2)
    default:
        if let next = s.nextEvent, !s.isFinished {
            buf.spans([
                ("next \(g.arrowRight) ", Theme.dim),
                (Format.time(next.time) + " ", Theme.text),
                ((next.host.map { $0 + " " } ?? ""), Theme.accent),
                (next.kind + ": ", next.kind == "inject" ? Theme.warn : Theme.info),
                (next.summary, Theme.text),
            ], x: 1, y: y, maxX: width - 1)
        } else if s.isFinished {
            buf.put("run finished at \(Format.time(s.time)) · fingerprint \(s.fingerprint) · b steps back", x: 1, y: y, style: Theme.dim, maxWidth: width - 2)
        }
    }
}

func drawFooter(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, y: Int, width: Int) {
    switch ui.mode {
    case .command, .filter:
        let field = ui.mode == .command ? ui.commandField : ui.filterField
        let prompt = ui.mode == .command ? ":" : "/"
        buf.put(prompt, x: 0, y: y, style: Theme.key)
        let avail = width - 2
        let chars = Array(field.text)
        let start = max(0, field.cursor - avail + 1)
        var x = 1
        for i in start..<chars.count where x < width {
            buf.set(x, y, chars[i], Theme.text)
            x += 1
        }
        let cx = 1 + field.cursor - start
        if cx < width {
            var cell = buf[cx, y]
            cell.style = Style(reverse: true)
            buf[cx, y] = cell
        }
    case .help:
        buf.spans([(" esc/? ", Theme.key), ("close  ", Theme.dim), ("j/k ", Theme.key), ("scroll  ", Theme.dim),
                   ("q ", Theme.key), ("quit", Theme.dim)], x: 0, y: y, maxX: width)
    case .normal:
        // The keys that work here, in key-map order; the last ones (help, quit) are always shown, at the right.
        // Once the run is over, the keys that would run it only give errors: leave them out.
        let bindings = KeyMap.standard.footer(for: ui.tab).filter { b in
            !s.isFinished || ![Action.toggleRun, .nextRound, .nextEvent].contains(b.action)
        }
        let items = bindings.map { b in
            // Only the first key of each binding: the help lists them all.
            (footerLabel(b.keys.first, ascii: ui.ascii), b.footer ?? "")
        }
        func widthOf(_ i: (String, String)) -> Int { i.0.unicodeScalars.count + 1 + i.1.unicodeScalars.count + 2 }
        let pinned = items.suffix(2)
        let pinnedWidth = pinned.reduce(0) { $0 + widthOf($1) } - 2  // no gap after the last one
        var x = 1
        // Every item that fits, in order: one too long for the space left does not hide shorter ones after it.
        for item in items.dropLast(2) {
            if x + widthOf(item) > width - pinnedWidth { continue }
            x += buf.put(item.0, x: x, y: y, style: Theme.key) + 1
            x += buf.put(item.1, x: x, y: y, style: Theme.dim) + 2
        }
        x = max(x, width - pinnedWidth)
        for item in pinned {
            x += buf.put(item.0, x: x, y: y, style: Theme.key) + 1
            x += buf.put(item.1, x: x, y: y, style: Theme.dim) + 2
        }
    }
}
