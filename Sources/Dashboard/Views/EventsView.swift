import SimKernel

/// The event log: newest at the bottom, filterable (`/`), with the next event and the coming injections
/// shown below it before you step.
enum EventsView {
    static let legend: [(String, String)] = [
        ("TIME", "virtual time of the entry, in seconds"),
        ("NODE", "the host it happened at; env = the environment (injections, joins)"),
        ("KIND", "what happened: inject.* (a failure or change you or the timeline injected), host.join/leave, nat.drop (a NAT refused an inbound packet), conn.fail (a connection attempt failed), and the protocols' own kinds"),
        ("DETAILS", "the entry's fields, key=value"),
        ("NEXT", "the event a '.' step delivers next (or the injection applied first)"),
        ("TIMELINE", "injections still to come, from the scenario and the : line"),
    ]

    static let columns = [Column("TIME", 10, right: true), Column("NODE", 12), Column("KIND", 16), Column("DETAILS", 20)]

    static func time(_ t: SimTime) -> String { Format.decimal(t.seconds, places: 3) + "s" }

    /// The entry as one line of text (what the text filter searches).
    static func line(_ e: LogEntry, node: String?) -> String {
        "\(time(e.time)) \(node ?? "env") \(e.kind) \(details(e))"
    }

    static func details(_ e: LogEntry) -> String {
        e.fields.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    static func kindStyle(_ kind: String) -> Style {
        if kind.hasPrefix("inject.") { return Theme.warn }
        if kind == "host.join" { return Theme.ok }
        if kind == "host.leave" { return Theme.dim }
        if kind.hasSuffix(".drop") || kind.hasSuffix(".timeout") { return Style(fg: .yellow) }
        if kind.hasSuffix(".fail") || kind.hasSuffix(".error") { return Theme.bad }
        return Theme.info
    }

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let g = ui.glyphs
        guard rect.height >= 8 else { return }
        let events = Lists.events(s, ui)
        let filter = Lists.filterText(ui)
        var head: [(String, Style)] = [
            ("Event log", Theme.title),
            (s.log.count == s.logTotal ? " · \(s.logTotal) recorded" : " · the last \(s.log.count) of \(s.logTotal) recorded kept", Theme.text),
        ]
        if !filter.isEmpty { head += [(" · filter ", Theme.text), ("'\(filter)'", Theme.accent), (" \(events.count) match", Theme.text)] }
        head.append((ui.eventCursor == nil ? " · following newest" : " · G follows newest", Theme.dim))
        buf.spans(head, x: rect.x + 1, y: rect.y, maxX: rect.maxX - 1)

        let listRect = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 4)
        let kept = Column.fit(columns, width: listRect.width - 2)
        buf.tableHeader(columns, kept: kept, x: listRect.x + 1, y: listRect.y, width: listRect.width - 3)
        let rows = listRect.height - 1
        let cursor = Lists.cursor(.events, s, ui)
        let offset = ui.eventCursor == nil ? max(0, events.count - rows) : scrollOffset(cursor: cursor, count: events.count, rows: rows)
        if events.isEmpty {
            buf.put(filter.isEmpty ? "nothing logged yet: press n to run a round, or . for one event" : "no entry matches the filter (esc clears it)",
                    x: listRect.x + 2, y: listRect.y + 1, style: Theme.dim, maxWidth: listRect.width - 3)
        }
        for r in 0..<min(rows, events.count - offset) {
            let i = offset + r
            let e = s.log[events[i]]
            let node = e.node.flatMap { $0 < s.hosts.count ? s.hosts[$0].name : nil }
            let y = listRect.y + 1 + r
            let cells = [TableCell(time(e.time), Theme.dim), TableCell(node ?? "env", node == nil ? Theme.accent : Theme.text),
                         TableCell(e.kind, kindStyle(e.kind)), TableCell(details(e))]
            buf.tableRow(columns, kept: kept, cells: cells, x: listRect.x + 1, y: y, width: listRect.width - 3)
            if i == cursor && ui.eventCursor != nil {
                buf.restyle(Rect(x: listRect.x + 1, y: y, width: listRect.width - 3, height: 1)) { $0.reverse = true }
                buf.set(listRect.x, y, g.cursor, Theme.key)
            }
            buf.addHitRegion(Rect(x: listRect.x, y: y, width: listRect.width, height: 1), .row(i))
        }
        buf.scrollBar(x: listRect.maxX - 1, y: listRect.y + 1, rows: rows, total: events.count, offset: offset, glyphs: g)

        // Next event and the timeline.
        let y0 = listRect.maxY
        buf.rule(x: rect.x, y: y0, width: rect.width, title: "Next", glyphs: g)
        if let n = s.nextEvent, !s.isFinished {
            buf.spans([(" \(g.play) ", Theme.key), (time(n.time) + "  ", Theme.text), ((n.host ?? "env") + "  ", Theme.accent),
                       (n.kind + "  ", n.kind == "inject" ? Theme.warn : Theme.info), (n.summary, Theme.text)],
                      x: rect.x, y: y0 + 1, maxX: rect.maxX - 1)
        } else {
            buf.put(s.isFinished ? " the run is over" : " nothing scheduled", x: rect.x, y: y0 + 1, style: Theme.dim, maxWidth: rect.width)
        }
        var timeline: [(String, Style)] = [(" timeline: ", Theme.dim)]
        if s.upcoming.isEmpty { timeline.append(("no injections to come", Theme.dim)) }
        for u in s.upcoming.prefix(8) {
            timeline += [(Format.time(u.time) + " ", Theme.text), (u.description, Theme.warn), ("  ", Theme.text)]
        }
        buf.spans(timeline, x: rect.x, y: y0 + 2, maxX: rect.maxX - 1)
    }
}
