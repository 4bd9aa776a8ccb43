/// A table column: a title, a width, and what it means (the help screen and the docs show `meaning`).
struct Column {
    var title: String
    var width: Int
    var alignRight = false
    /// Lower numbers are kept first when the screen is narrow.
    var priority = 0

    init(_ title: String, _ width: Int, right: Bool = false, priority: Int = 0) {
        self.title = title; self.width = width; self.alignRight = right; self.priority = priority
    }

    /// Keeps the columns that fit in `width` (one space between columns), dropping the highest priority
    /// numbers first; the order is kept. Returns the indices kept.
    static func fit(_ columns: [Column], width: Int) -> [Int] {
        var kept = Array(columns.indices)
        func total() -> Int { kept.reduce(0) { $0 + columns[$1].width } + max(0, kept.count - 1) }
        while total() > width, let drop = kept.max(by: { columns[$0].priority < columns[$1].priority || (columns[$0].priority == columns[$1].priority && $0 < $1) }),
              columns[drop].priority > 0 {
            kept.removeAll { $0 == drop }
        }
        return kept
    }
}

/// One cell of a table row: text and style.
struct TableCell {
    var text: String
    var style: Style
    init(_ text: String, _ style: Style = Theme.text) { self.text = text; self.style = style }
}

extension CellBuffer {
    /// Draws a frame around `rect` with a title in its top edge. Returns the inner rectangle.
    @discardableResult
    mutating func frame(_ rect: Rect, title: String? = nil, glyphs: Glyphs, style: Style = Theme.frame, titleStyle: Style = Theme.title) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        for x in rect.x + 1..<rect.maxX - 1 {
            set(x, rect.y, glyphs.horizontal, style)
            set(x, rect.maxY - 1, glyphs.horizontal, style)
        }
        for y in rect.y + 1..<rect.maxY - 1 {
            set(rect.x, y, glyphs.vertical, style)
            set(rect.maxX - 1, y, glyphs.vertical, style)
        }
        set(rect.x, rect.y, glyphs.topLeft, style)
        set(rect.maxX - 1, rect.y, glyphs.topRight, style)
        set(rect.x, rect.maxY - 1, glyphs.bottomLeft, style)
        set(rect.maxX - 1, rect.maxY - 1, glyphs.bottomRight, style)
        if let title, rect.width > 6 {
            put(" \(title) ", x: rect.x + 2, y: rect.y, style: titleStyle, maxWidth: rect.width - 4)
        }
        return rect.inset(1)
    }

    /// Draws a horizontal rule with an optional title.
    mutating func rule(x: Int, y: Int, width: Int, title: String? = nil, glyphs: Glyphs) {
        for i in 0..<max(0, width) { set(x + i, y, glyphs.horizontal, Theme.frame) }
        if let title, width > 4 { put(" \(title) ", x: x + 1, y: y, style: Theme.title, maxWidth: width - 2) }
    }

    /// Draws a table header for the kept columns.
    mutating func tableHeader(_ columns: [Column], kept: [Int], x: Int, y: Int, width: Int) {
        fill(Rect(x: x, y: y, width: width, height: 1), " ", Theme.header)
        var cx = x
        for i in kept {
            let c = columns[i]
            // The last column takes whatever width is left.
            let w = i == kept.last && !c.alignRight ? x + width - cx : min(c.width, x + width - cx)
            putField(c.title, x: cx, y: y, width: w, style: Theme.header, alignRight: c.alignRight)
            cx += c.width + 1
            if cx >= x + width { break }
        }
    }

    /// Draws one table row; `cells` has one entry per column (kept or not).
    mutating func tableRow(_ columns: [Column], kept: [Int], cells: [TableCell], x: Int, y: Int, width: Int) {
        var cx = x
        for i in kept where i < cells.count {
            let c = columns[i]
            let w = i == kept.last && !c.alignRight ? x + width - cx : min(c.width, x + width - cx)
            if w <= 0 { break }
            putField(cells[i].text, x: cx, y: y, width: w, style: cells[i].style, alignRight: c.alignRight)
            cx += c.width + 1
        }
    }

    /// A vertical scroll bar at column `x` over `rows` rows for a list of `total` items showing `offset`…
    mutating func scrollBar(x: Int, y: Int, rows: Int, total: Int, offset: Int, glyphs: Glyphs) {
        guard total > rows, rows > 0 else { return }
        let thumb = max(1, rows * rows / total)
        let top = min(rows - thumb, (rows - thumb) * offset / max(1, total - rows))
        for i in 0..<rows {
            let onThumb = i >= top && i < top + thumb
            set(x, y + i, onThumb ? glyphs.scrollThumb : glyphs.scrollTrack, onThumb ? Theme.text : Theme.dim)
        }
    }

    /// Draws `text` centred on row `y` of `rect`.
    mutating func centered(_ text: String, in rect: Rect, y: Int, style: Style = Theme.text) {
        let n = min(text.unicodeScalars.count, rect.width)
        put(text, x: rect.x + (rect.width - n) / 2, y: y, style: style, maxWidth: rect.width)
    }

    /// Writes `label` then `value` (in `valueStyle`) and returns the column after them.
    @discardableResult
    mutating func labelled(_ label: String, _ value: String, x: Int, y: Int, maxX: Int, valueStyle: Style = Theme.text) -> Int {
        var cx = x
        cx += put(label, x: cx, y: y, style: Theme.dim, maxWidth: maxX - cx)
        cx += put(value, x: cx, y: y, style: valueStyle, maxWidth: maxX - cx)
        return cx
    }

    /// Writes a run of styled pieces from (x, y), clipped at `maxX`. Returns the column after them.
    @discardableResult
    mutating func spans(_ parts: [(String, Style)], x: Int, y: Int, maxX: Int) -> Int {
        var cx = x
        for (text, style) in parts {
            if cx >= maxX { break }
            cx += put(text, x: cx, y: y, style: style, maxWidth: maxX - cx)
        }
        return cx
    }
}

/// The first row to show so that `cursor` is visible in `rows` rows of a list of `count`: the cursor is
/// kept near the middle once the list scrolls.
func scrollOffset(cursor: Int, count: Int, rows: Int) -> Int {
    guard count > rows, rows > 0 else { return 0 }
    return min(max(0, cursor - rows / 2), count - rows)
}

/// Wraps `text` into lines of at most `width` columns, at spaces where possible.
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
            var w = String(word)
            if line.isEmpty {
                line = w
            } else if line.count + 1 + w.count <= width {
                line += " " + w
            } else {
                lines.append(line); line = w
            }
            while line.count > width {
                lines.append(String(line.prefix(width)))
                w = String(line.dropFirst(width)); line = w
            }
        }
        lines.append(line)
    }
    return lines
}
