/// The help screen, generated from the key map, the current view's column legend, and the command registry.
enum HelpView {
    static func legend(for tab: Tab) -> [(String, String)] {
        switch tab {
        case .swarm: return SwarmView.legend
        case .choke: return ChokeView.legend
        case .dht: return DHTView.legend
        case .network: return NetworkView.legend
        case .events: return EventsView.legend
        case .rounds: return RoundsView.legend
        }
    }

    /// The help as (text, style, indent) lines, wrapped to `width`.
    static func lines(_ ui: UIState, width: Int) -> [(String, Style, Int)] {
        var out: [(String, Style, Int)] = []
        let keyWidth = 16
        func entry(_ key: String, _ text: String, keyStyle: Style = Theme.key) {
            if key.unicodeScalars.count > keyWidth {
                // A long key (a command's usage) gets its own line.
                out.append((key, keyStyle, 1))
                for w in wrap(text, width: max(10, width - keyWidth - 3)) { out.append((String(repeating: " ", count: keyWidth + 1) + w, Theme.text, 1)) }
                return
            }
            let wrapped = wrap(text, width: max(10, width - keyWidth - 3))
            for (i, w) in wrapped.enumerated() {
                out.append((i == 0 ? Format.right(key, keyWidth) + " " + w : String(repeating: " ", count: keyWidth + 1) + w, i == 0 ? keyStyle : Theme.text, 1))
            }
        }
        out.append(("Columns of the \(ui.tab.title) view", Theme.title, 0))
        for (k, v) in legend(for: ui.tab) { entry(k, v, keyStyle: Theme.accent) }
        for group in KeyMap.standard.groups {
            out.append(("", Theme.text, 0))
            out.append(("Keys: \(group.name)", Theme.title, 0))
            for b in group.bindings { entry(b.keyLabel(ascii: ui.ascii), b.help) }
        }
        out.append(("", Theme.text, 0))
        out.append(("Mouse: click a tab to show it, a row to select it; the wheel scrolls", Theme.text, 1))
        out.append(("", Theme.text, 0))
        out.append(("Commands (type : then the command; tab completes, up/down recall)", Theme.title, 0))
        for c in CommandRegistry.default.commands { entry(c.usage, c.summary) }
        out.append(("", Theme.text, 0))
        for w in wrap("Status line: virtual time / end, round / rounds, speed (virtual seconds per second), events delivered per wall-clock second (ev/s)", width: max(10, width - 2)) {
            out.append((w, Theme.dim, 1))
        }
        return out
    }

    /// The lab handout's steps as help lines: the title, then each step with a hanging indent.
    static func handoutLines(_ h: Handout, width: Int) -> [(String, Style, Int)] {
        var out: [(String, Style, Int)] = []
        // The handout's title usually names the lab already ("Lab 04 — …").
        out.append((h.title.lowercased().hasPrefix("lab") ? h.title : "Lab \(h.lab): \(h.title)", Theme.title, 0))
        out.append(("The handout's steps (README.md)", Theme.dim, 1))
        for step in h.steps {
            let mark = "\(step.number). "
            let pad = String(repeating: " ", count: mark.count)
            for (i, w) in wrap(step.text, width: max(10, width - mark.count - 2)).enumerated() {
                out.append(((i == 0 ? mark : pad) + w, Theme.text, 1))
            }
        }
        return out
    }

    /// The help's panes inside `rect` (the frame's inside): the lines of each, where they go, and whether
    /// the pane has the scroll bar. With a lab handout on a screen at least 120 wide, the handout's steps sit
    /// on the left and the keys on the right; otherwise everything is one pane.
    static func panes(_ ui: UIState, in rect: Rect) -> [(lines: [(String, Style, Int)], rect: Rect, bar: Bool)] {
        guard let h = ui.handout else { return [(lines(ui, width: rect.width - 2), rect, true)] }
        if ui.size.width >= 120 {
            let (left, right) = rect.splitLeft(min(64, rect.width * 2 / 5))
            return [(handoutLines(h, width: left.width - 2), Rect(x: left.x, y: left.y, width: left.width - 2, height: left.height), false),
                    (lines(ui, width: right.width - 2), right.inset(left: 1), true)]
        }
        return [(handoutLines(h, width: rect.width - 2) + [("", Theme.text, 0)] + lines(ui, width: rect.width - 2), rect, true)]
    }

    /// The inside of the help's frame on a screen of the state's size.
    static func innerRect(_ ui: UIState) -> Rect { bodyRect(ui.size).inset(1) }

    /// The furthest the help scrolls: the point where its longest pane's last line is at the bottom.
    static func maxScroll(_ ui: UIState) -> Int {
        panes(ui, in: innerRect(ui)).map { max(0, $0.lines.count - $0.rect.height) }.max() ?? 0
    }

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let panes = panes(ui, in: rect)
        if panes.count > 1 {
            for y in rect.y..<rect.maxY { buf.set(panes[0].rect.maxX + 1, y, ui.glyphs.vertical, Theme.frame) }
        }
        for p in panes { draw(p.lines, scroll: ui.helpScroll, &buf, in: p.rect, glyphs: ui.glyphs, bar: p.bar) }
    }

    static func draw(_ all: [(String, Style, Int)], scroll: Int, _ buf: inout CellBuffer, in rect: Rect, glyphs: Glyphs, bar: Bool) {
        let offset = min(scroll, max(0, all.count - rect.height))
        for (r, line) in all.dropFirst(offset).prefix(rect.height).enumerated() {
            let (text, style, indent) = line
            if style == Theme.key || style == Theme.accent, text.count > 17, text.dropFirst(16).first == " " {
                // The key column in the key style, the explanation plain.
                let key = String(text.prefix(16)), rest = String(text.dropFirst(16))
                buf.put(key, x: rect.x + indent, y: rect.y + r, style: style, maxWidth: rect.width - indent)
                buf.put(rest, x: rect.x + indent + 16, y: rect.y + r, style: Theme.text, maxWidth: rect.width - indent - 16)
            } else {
                buf.put(text, x: rect.x + indent, y: rect.y + r, style: style, maxWidth: rect.width - indent)
            }
        }
        if bar { buf.scrollBar(x: rect.maxX - 1, y: rect.y, rows: rect.height, total: all.count, offset: offset, glyphs: glyphs) }
    }
}
