import Scenario

/// The per-round summary (the same rows as `inetlab run`), with sparklines of the figures that show
/// failures best: ping replies and NAT drops per round.
enum RoundsView {
    static let legend: [(String, String)] = [
        ("ROUND", "round number; a round is the scenario's round length of virtual time (10 s: BitTorrent's rechoke period)"),
        ("END", "virtual time at the end of the round"),
        ("EVENTS", "events delivered during the round"),
        ("HOSTS", "hosts running at the end of the round"),
        ("SENT RECV", "packets sent and received during the round"),
        ("BYTES", "bytes sent during the round"),
        ("NAT", "inbound packets NATs refused (unsolicited or filtered)"),
        ("DOWN", "packets lost to a crashed host or a link that was down"),
        ("CUT", "packets lost to a partition"),
        ("CONN", "connections opened / failed"),
        ("PING", "ping replies received / probes sent (scenarios without a swarm)"),
        ("RTT", "mean round-trip time of this round's replies"),
        ("DONE", "swarm scenarios: leechers that have completed the file so far"),
        ("LOOKUPS", "with a DHT: lookups that found something / lookups finished in the round (a tracker crash shows as more of them)"),
        ("HOPS", "with a DHT: mean hops of the round's lookups to the closest node that answered"),
        ("INJECTIONS", "failures and changes applied during the round"),
    ]

    static let columns = [
        Column("ROUND", 5, right: true), Column("END", 6, right: true), Column("EVENTS", 7, right: true),
        Column("HOSTS", 5, right: true, priority: 2), Column("SENT", 6, right: true, priority: 1), Column("RECV", 6, right: true, priority: 1),
        Column("BYTES", 7, right: true, priority: 3), Column("NAT", 5, right: true), Column("DOWN", 5, right: true),
        Column("CUT", 4, right: true, priority: 2), Column("CONN", 7, right: true, priority: 3), Column("PING", 9, right: true),
        Column("RTT", 7, right: true, priority: 1), Column("INJECTIONS", 12),
    ]

    /// A swarm scenario's columns: completions instead of pings, and the DHT's lookups when it has one.
    static func swarmColumns(dht: Bool) -> [Column] {
        var c = Array(columns.prefix(11))
        c.append(Column("DONE", 5, right: true))
        if dht { c += [Column("LOOKUPS", 8, right: true, priority: 1), Column("HOPS", 5, right: true, priority: 2)] }
        c.append(Column("INJECTIONS", 12))
        return c
    }

    static func sparkline(_ values: [Int], width: Int, glyphs g: Glyphs) -> String {
        let shown = values.suffix(width)
        let top = shown.max() ?? 0
        return String(shown.map { top == 0 || $0 == 0 ? " " : g.level($0, of: top) })
    }

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let g = ui.glyphs
        guard rect.height >= 8 else { return }
        let rows = s.rows
        var head: [(String, Style)] = [("Rounds", Theme.title),
                                       (" · \(rows.count) of \(s.totalRounds) done, \(Format.duration(s.roundLength)) each", Theme.text)]
        if !s.isFinished { head.append((" · round \(s.currentRound) in progress", Theme.dim)) }
        buf.spans(head, x: rect.x + 1, y: rect.y, maxX: rect.maxX - 1)
        let sparkWidth = rect.width - 22
        let swarm = rows.contains { $0.swarmCompleted != nil } || (rows.isEmpty && s.swarm != nil)
        let dht = rows.contains { $0.dht != nil } || (rows.isEmpty && s.dht != nil)
        let lines: [(String, [Int], Style)] = [
            swarm ? ("bytes sent/round", rows.map { Int(clamping: $0.bytesSent) }, Theme.ok) : ("ping replies/round", rows.map(\.pingReplies), Theme.ok),
            ("NAT drops/round", rows.map(\.droppedNat), Theme.warn),
        ]
        for (i, (label, values, style)) in lines.enumerated() {
            buf.putField(label, x: rect.x + 1, y: rect.y + 1 + i, width: 19, style: Theme.dim)
            buf.put(sparkline(values, width: sparkWidth, glyphs: g), x: rect.x + 21, y: rect.y + 1 + i, style: style, maxWidth: sparkWidth)
        }
        let table = Rect(x: rect.x, y: rect.y + 3, width: rect.width, height: rect.height - 3)
        let columns = swarm ? swarmColumns(dht: dht) : columns
        let kept = Column.fit(columns, width: table.width - 3)
        buf.tableHeader(columns, kept: kept, x: table.x + 1, y: table.y, width: table.width - 3)
        let visible = table.height - 1
        if rows.isEmpty {
            buf.put("no round completed yet: n runs to the end of the round", x: table.x + 2, y: table.y + 1, style: Theme.dim, maxWidth: table.width - 3)
            return
        }
        let cursor = Lists.cursor(.rounds, s, ui)
        let offset = ui.roundCursor == nil ? max(0, rows.count - visible) : scrollOffset(cursor: cursor, count: rows.count, rows: visible)
        for r in 0..<min(visible, rows.count - offset) {
            let i = offset + r
            let row = rows[i]
            let y = table.y + 1 + r
            var cells: [TableCell] = [
                TableCell("\(row.round)"), TableCell(Format.duration(.init(seconds: row.timeS)), Theme.dim),
                TableCell(Format.count(row.events)), TableCell("\(row.hostsRunning)"),
                TableCell(Format.count(row.packetsSent)), TableCell(Format.count(row.packetsReceived)),
                TableCell(Format.bytes(row.bytesSent), Theme.dim),
                TableCell("\(row.droppedNat)", row.droppedNat > 0 ? Theme.warn : Theme.dim),
                TableCell("\(row.droppedDown)", row.droppedDown > 0 ? Theme.bad : Theme.dim),
                TableCell("\(row.droppedPartition)", row.droppedPartition > 0 ? Theme.bad : Theme.dim),
                TableCell("\(row.connectionsOpened)/\(row.connectionsFailed)", row.connectionsFailed > 0 ? Theme.warn : Theme.text),
            ]
            if swarm {
                cells.append(TableCell(row.swarmCompleted.map(String.init) ?? "-"))
                if dht {
                    let d = row.dht
                    cells.append(TableCell(d.map { "\($0.succeeded)/\($0.lookups)" } ?? "-", d.map { $0.succeeded < $0.lookups ? Theme.warn : Theme.text } ?? Theme.dim))
                    cells.append(TableCell(d?.hopsMean.map { Format.decimal($0, places: 1) } ?? "-", Theme.text))
                }
            } else {
                cells.append(TableCell("\(row.pingReplies)/\(row.pingProbes)", row.pingReplies < row.pingProbes ? Theme.warn : Theme.text))
                cells.append(TableCell(row.pingRttMeanMs.map { Format.milliseconds($0) } ?? "-", Theme.text))
            }
            cells.append(TableCell(row.injections.joined(separator: ", "), Theme.warn))
            buf.tableRow(columns, kept: kept, cells: cells, x: table.x + 1, y: y, width: table.width - 3)
            if i == cursor && ui.roundCursor != nil {
                buf.restyle(Rect(x: table.x + 1, y: y, width: table.width - 3, height: 1)) { $0.reverse = true }
                buf.set(table.x, y, g.cursor, Theme.key)
            }
            buf.addHitRegion(Rect(x: table.x, y: y, width: table.width, height: 1), .row(i))
        }
        buf.scrollBar(x: table.maxX - 1, y: table.y + 1, rows: visible, total: rows.count, offset: offset, glyphs: g)
    }
}
