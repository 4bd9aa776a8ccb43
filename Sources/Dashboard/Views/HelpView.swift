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
        out.append(("Status line: virtual time / end, round / rounds, speed (virtual seconds per second), events delivered per wall-clock second", Theme.dim, 1))
        return out
    }

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let all = lines(ui, width: rect.width - 2)
        let offset = min(ui.helpScroll, max(0, all.count - rect.height))
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
        buf.scrollBar(x: rect.maxX - 1, y: rect.y, rows: rect.height, total: all.count, offset: offset, glyphs: ui.glyphs)
    }
}
