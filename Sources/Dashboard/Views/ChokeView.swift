/// Choke rounds: for the selected peer, this round's unchoked set and why, a history strip of previous
/// rounds, and the reciprocity ledger; or (`m`) the whole swarm's who-unchokes-whom matrix.
enum ChokeView {
    static let legend: [(String, String)] = [
        ("UNCHOKED", "neighbours the peer uploads to this round: the top interested ones by rate (rank and rate shown), plus one optimistic unchoke"),
        ("rate rank", "a leecher ranks neighbours by the rate it downloads from them (last 20 s); a seed by the rate it uploads to them"),
        ("optimistic", "one neighbour unchoked at random, rotated every 30 s: how newcomers with nothing to offer get started"),
        ("HISTORY", "one column per choke decision, newest right (each rechoke, and a newcomer taking the optimistic slot between rechokes): \u{25A0} unchoked by rate, \u{2605} optimistic, \u{00B7} choked"),
        ("GIVEN RECEIVED", "bytes this peer uploaded to / downloaded from the neighbour since they connected"),
        ("BALANCE", "received minus given: tit-for-tat keeps it near zero for contributors; free-riders only take"),
        ("ME>IT IT>ME", "whether this peer unchokes the neighbour, and the neighbour this peer"),
        ("INT SNUB", "the neighbour is interested in this peer's pieces; snubbed = no data from it for 60 s"),
        ("matrix", "row peer unchokes column peer now: \u{25A0} by rate, \u{2605} optimistically, \u{25CF} a free slot taken since its last rechoke; the columns are the rows' peers in the same order"),
        ("left choked", "interested neighbours the rechoke did not unchoke: they wait for a rate slot or the optimistic turn"),
    ]

    static func draw(_ buf: inout CellBuffer, _ s: DashboardSnapshot, _ ui: UIState, in rect: Rect) {
        let g = ui.glyphs
        guard let swarm = s.swarm else { SwarmView.noData(&buf, s, in: rect, what: "swarm", g: g); return }
        guard rect.height >= 8 else { return }
        let peers = Lists.sortedPeers(swarm, ui.swarmSort)
        let cursor = Lists.cursor(.choke, s, ui)
        if ui.chokeMatrix { drawMatrix(&buf, peers, cursor: cursor, g: g, in: rect); return }

        // The peer list on the left.
        let listWidth = 18
        let (left, right) = rect.splitLeft(listWidth)
        buf.put("PEERS", x: left.x + 1, y: left.y, style: Theme.header)
        let rows = left.height - 1
        let offset = scrollOffset(cursor: cursor, count: peers.count, rows: rows)
        for r in 0..<max(0, min(rows, peers.count - offset)) {
            let i = offset + r
            let p = peers[i]
            let y = left.y + 1 + r
            let st = SwarmView.stateCell(p)
            buf.putField(p.name, x: left.x + 1, y: y, width: 11, style: p.state == .departed ? Theme.dim : Theme.text)
            buf.putField(st.text, x: left.x + 12, y: y, width: 5, style: st.style)
            if i == cursor {
                buf.restyle(Rect(x: left.x + 1, y: y, width: listWidth - 2, height: 1)) { $0.reverse = true }
                buf.set(left.x, y, g.cursor, Theme.key)
            }
            buf.addHitRegion(Rect(x: left.x, y: y, width: listWidth, height: 1), .row(i))
        }
        buf.scrollBar(x: left.maxX - 1, y: left.y + 1, rows: rows, total: peers.count, offset: offset, glyphs: g)
        guard !peers.isEmpty else { return }
        drawPeer(&buf, peers[cursor], swarm: swarm, g: g, in: right.inset(left: 1))
    }

    static func reasonText(_ r: Unchoke.Reason, asSeed: Bool) -> (String, Style) {
        switch r {
        case .rateRank(let rank, let rate):
            return ("rate rank \(rank): \(Format.rate(rate)) \(asSeed ? "uploaded to it" : "downloaded from it")", Theme.text)
        case .optimistic: return ("optimistic (random, rotated every 30 s)", Theme.accent)
        case .roundRobin: return ("seed round-robin turn", Theme.info)
        }
    }

    static func drawPeer(_ buf: inout CellBuffer, _ p: PeerSnapshot, swarm: SwarmSnapshot, g: Glyphs, in rect: Rect) {
        var y = rect.y
        let maxX = rect.maxX
        let st = SwarmView.stateCell(p)
        guard let choke = p.choke else {
            buf.spans([(p.name, Theme.title), (" · ", Theme.text), (st.text, st.style)], x: rect.x, y: y, maxX: maxX)
            return
        }
        guard let now = choke.current else {
            // Before the first rechoke the ledger already says who is unchoked: free slots open at once.
            buf.spans([(p.name, Theme.title), (" · ", Theme.text), (st.text, st.style)], x: rect.x, y: y, maxX: maxX)
            let note = p.state == .freeRider ? "a free-rider never unchokes anyone"
                : "no rechoke yet (the choker runs every \(Format.duration(swarm.chokeInterval))): until then a free upload slot goes to the first interested neighbours"
            y += 1
            for line in wrap(note, width: rect.width).prefix(2) { buf.put(line, x: rect.x, y: y, style: Theme.dim, maxWidth: rect.width); y += 1 }
            drawLedger(&buf, choke, departed: p.state == .departed, y: y, in: rect, g: g)
            return
        }
        let how = now.freeRiding ? "a free-rider: unchokes nobody, whatever it receives"
            : now.asSeed ? "as a seed: ranks by upload rate to each neighbour" : "as a leecher: ranks by download rate from each neighbour"
        buf.spans([(p.name, Theme.title), (" · ", Theme.text), (st.text, st.style),
                   (" · rechoke \(now.round) at \(Format.time(now.time))", Theme.text)],
                  x: rect.x, y: y, maxX: maxX)
        buf.put(how, x: rect.x + 1, y: y + 1, style: Theme.dim, maxWidth: rect.width - 1)
        y += 2
        buf.rule(x: rect.x, y: y, width: rect.width, title: "Unchoked at that rechoke (\(now.unchoked.count))", glyphs: g)
        y += 1
        let budget = max(2, (rect.height - 8) / 3)
        for u in now.unchoked.prefix(budget) {
            let (text, style) = reasonText(u.reason, asSeed: now.asSeed)
            let mark: Character = u.reason == .optimistic ? g.optimistic : g.unchoked
            buf.set(rect.x + 1, y, mark, u.reason == .optimistic ? Theme.accent : Theme.ok)
            buf.putField(u.peer, x: rect.x + 3, y: y, width: 12)
            buf.put(text, x: rect.x + 16, y: y, style: style, maxWidth: maxX - rect.x - 16)
            y += 1
        }
        if now.unchoked.count > budget { buf.put("+\(now.unchoked.count - budget) more", x: rect.x + 3, y: y, style: Theme.dim); y += 1 }
        if now.unchoked.isEmpty {
            let why = now.freeRiding ? "nobody: a free-rider uploads to no one" : now.chokedInterested == 0 ? "nobody: no interested neighbour" : "nobody"
            buf.put(why, x: rect.x + 3, y: y, style: Theme.dim); y += 1
        }
        buf.spans([("interested but left choked: ", Theme.dim), ("\(now.chokedInterested)", Theme.text),
                   (now.chokedInterested == 0 ? "" : " (INT yes, ME>IT choke below)", Theme.dim)],
                  x: rect.x + 1, y: y, maxX: maxX)
        y += 1

        // History strip: the neighbours of the latest rounds.
        let rounds = Array(choke.rounds.suffix(max(1, min(30, rect.width - 16))))
        var names: [String] = []
        for d in rounds.reversed() { for u in d.unchoked where !names.contains(u.peer) { names.append(u.peer) } }
        let historyRows = min(names.count, budget)
        buf.rule(x: rect.x, y: y, width: rect.width, title: "History, \(rounds.count == 1 ? "1 decision" : "last \(rounds.count) decisions") (\(g.unchoked) rate \(g.optimistic) optimistic)", glyphs: g)
        y += 1
        for name in names.prefix(historyRows) {
            buf.putField(name, x: rect.x + 1, y: y, width: 12)
            for (c, d) in rounds.enumerated() {
                let u = d.unchoked.first { $0.peer == name }
                let ch: Character = u == nil ? g.shades[0] : (u?.reason == .optimistic ? g.optimistic : g.unchoked)
                buf.set(rect.x + 14 + c, y, ch, u == nil ? Theme.dim : (u?.reason == .optimistic ? Theme.accent : Theme.ok))
            }
            y += 1
        }

        drawLedger(&buf, choke, departed: p.state == .departed, y: y, in: rect, g: g)
    }

    /// The reciprocity ledger: bytes given to and received from each neighbour, and the choke state now.
    static func drawLedger(_ buf: inout CellBuffer, _ choke: ChokeSnapshot, departed: Bool, y start: Int, in rect: Rect, g: Glyphs) {
        var y = start
        guard y + 2 < rect.maxY else { return }
        buf.rule(x: rect.x, y: y, width: rect.width, title: "Reciprocity ledger: bytes given to / received from each neighbour", glyphs: g)
        y += 1
        let cols = [Column("NEIGHBOUR", 11), Column("GIVEN", 7, right: true), Column("RECEIVED", 8, right: true),
                    Column("BALANCE", 8, right: true), Column("ME>IT", 6, priority: 1), Column("IT>ME", 6, priority: 1),
                    Column("INT", 3, priority: 2), Column("SNUB", 4, priority: 2)]
        let kept = Column.fit(cols, width: rect.width)
        buf.tableHeader(cols, kept: kept, x: rect.x, y: y, width: rect.width)
        y += 1
        // Busiest exchanges first (a seed only gives, a leecher mostly receives), then by name.
        let ledger = choke.ledger.sorted { ($1.received + $1.given, $0.peer) < ($0.received + $0.given, $1.peer) }
        for e in ledger.prefix(max(0, rect.maxY - y)) {
            let balance = e.received - e.given
            let cells = [
                TableCell(e.peer), TableCell(Format.bytes(e.given)), TableCell(Format.bytes(e.received)),
                TableCell((balance > 0 ? "+" : "") + Format.bytes(balance), balance < 0 ? Theme.warn : Theme.ok),
                TableCell(e.unchoking ? "unchk" : "choke", e.unchoking ? Theme.ok : Theme.dim),
                TableCell(e.unchokedBy ? "unchk" : "choke", e.unchokedBy ? Theme.ok : Theme.dim),
                TableCell(e.interested ? "yes" : "no", e.interested ? Theme.text : Theme.dim),
                TableCell(e.snubbed ? "SNUB" : "", Theme.bad),
            ]
            buf.tableRow(cols, kept: kept, cells: cells, x: rect.x, y: y, width: rect.width)
            y += 1
        }
        if choke.ledger.isEmpty {
            buf.put(departed ? "no neighbours: it has left the swarm" : "no neighbour yet", x: rect.x + 1, y: y, style: Theme.dim)
        }
    }

    /// Who unchokes whom: row peer → column peer as each peer's ledger stands, marked with the reason of its latest rechoke.
    static func drawMatrix(_ buf: inout CellBuffer, _ peers: [PeerSnapshot], cursor: Int, g: Glyphs, in rect: Rect) {
        buf.spans([("Row unchokes column", Theme.title),
                   (": \(g.unchoked) rate \(g.optimistic) optimistic \(g.good) free slot · m: one peer", Theme.dim)],
                  x: rect.x + 1, y: rect.y, maxX: rect.maxX - 1)
        let nameWidth = 11
        let gridX = rect.x + 1 + nameWidth + 1
        let cols = max(0, min(peers.count, rect.maxX - 1 - gridX))
        let rows = rect.height - 2
        let rowOffset = scrollOffset(cursor: cursor, count: peers.count, rows: rows)
        let colOffset = scrollOffset(cursor: cursor, count: peers.count, rows: cols)
        let index = Dictionary(peers.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        // Column ruler: the last digit of each column's position, the selected column marked.
        for c in 0..<cols {
            let i = colOffset + c
            let digit = Character(String(i % 10))
            buf.set(gridX + c, rect.y + 1, i == cursor ? g.cursor : digit, i == cursor ? Theme.key : Theme.dim)
        }
        for r in 0..<max(0, min(rows, peers.count - rowOffset)) {
            let i = rowOffset + r
            let p = peers[i]
            let y = rect.y + 2 + r
            buf.putField(p.name, x: rect.x + 1, y: y, width: nameWidth, style: i == cursor ? Theme.selected : Theme.text)
            var row = Array(repeating: Character(" "), count: cols)
            var styles = Array(repeating: Theme.dim, count: cols)
            for c in 0..<cols { row[c] = colOffset + c == i ? " " : g.shades[0] }
            // Who it unchokes now (its ledger); why, from its latest rechoke (none: a slot freed since).
            let reasons = Dictionary((p.choke?.current?.unchoked ?? []).map { ($0.peer, $0.reason) }, uniquingKeysWith: { a, _ in a })
            for e in p.choke?.ledger ?? [] where e.unchoking {
                guard let j = index[e.peer], j >= colOffset, j < colOffset + cols else { continue }
                switch reasons[e.peer] {
                case .optimistic?: row[j - colOffset] = g.optimistic; styles[j - colOffset] = Theme.accent
                case nil: row[j - colOffset] = g.good; styles[j - colOffset] = Theme.info
                default: row[j - colOffset] = g.unchoked; styles[j - colOffset] = Theme.ok
                }
            }
            for c in 0..<cols {
                var st = styles[c]
                if colOffset + c == cursor || i == cursor { st.bold = true }
                buf.set(gridX + c, y, row[c], st)
            }
            buf.addHitRegion(Rect(x: rect.x, y: y, width: rect.width, height: 1), .row(i))
        }
    }
}
