/// A terminal colour. `.default` is the terminal's own foreground or background.
public enum Color: UInt8, Sendable, Hashable, CaseIterable {
    case `default`, black, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell is drawn: colours and attributes. Monochrome terminals keep the attributes and drop the
/// colours, so every state a view shows must also differ by glyph, text, or an attribute.
public struct Style: Sendable, Hashable {
    public var fg: Color
    public var bg: Color
    public var bold: Bool
    public var reverse: Bool
    public var dim: Bool
    public var underline: Bool

    public init(fg: Color = .default, bg: Color = .default, bold: Bool = false, reverse: Bool = false,
                dim: Bool = false, underline: Bool = false) {
        self.fg = fg; self.bg = bg; self.bold = bold; self.reverse = reverse; self.dim = dim; self.underline = underline
    }

    public static let plain = Style()
    public func with(fg: Color) -> Style { var s = self; s.fg = fg; return s }
    public var bolded: Style { var s = self; s.bold = true; return s }
    public var reversed: Style { var s = self; s.reverse = true; return s }
    public var dimmed: Style { var s = self; s.dim = true; return s }
}

/// One cell of the screen: a character one column wide, and its style.
public struct Cell: Sendable, Hashable {
    public var char: Character
    public var style: Style
    public init(_ char: Character = " ", _ style: Style = .plain) { self.char = char; self.style = style }
    public static let blank = Cell()
}

/// What a mouse click on a region of the screen means.
public enum HitTarget: Sendable, Hashable {
    /// A tab of the tab bar.
    case tab(Tab)
    /// Row `index` of the current view's list.
    case row(Int)
}

/// A clickable region recorded while rendering.
public struct HitRegion: Sendable, Hashable {
    public var rect: Rect
    public var target: HitTarget
}

/// An in-memory screen: a grid of cells that views draw into. Nothing here knows about terminals; the
/// backend copies the grid to the screen (only the cells that changed), and tests read it as text.
public struct CellBuffer: Sendable, Hashable {
    public let size: Size
    /// When true, any character outside printable ASCII is drawn as `?` (no UTF-8 locale, `--ascii`).
    public let asciiOnly: Bool
    public private(set) var cells: [Cell]
    /// Clickable regions, later ones on top.
    public private(set) var hitRegions: [HitRegion] = []

    public init(size: Size, asciiOnly: Bool = false) {
        self.size = size
        self.asciiOnly = asciiOnly
        cells = Array(repeating: .blank, count: size.width * size.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: size.width, height: size.height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * size.width + x] }
        set { cells[y * size.width + x] = newValue }
    }

    /// Sets one cell if it lies inside the buffer.
    @inline(__always)
    public mutating func set(_ x: Int, _ y: Int, _ char: Character, _ style: Style) {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
        cells[y * size.width + x] = Cell(char, style)
    }

    /// Changes only the style of the cells of `rect`.
    public mutating func restyle(_ rect: Rect, _ transform: (inout Style) -> Void) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { transform(&cells[y * size.width + x].style) }
        }
    }

    /// Fills `rect` with `char` in `style`.
    public mutating func fill(_ rect: Rect, _ char: Character = " ", _ style: Style = .plain) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        let cell = Cell(char, style)
        for y in r.y..<r.maxY {
            let base = y * size.width
            for x in r.x..<r.maxX { cells[base + x] = cell }
        }
    }

    /// Writes `text` from (x, y), one cell per character, clipped to `maxWidth` columns and to the
    /// buffer. Control characters, combining marks and wide characters become `?` (or are skipped), so
    /// one character is always one column. Returns the number of columns written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int = .max) -> Int {
        guard y >= 0, y < size.height else { return 0 }
        let limit = maxWidth >= size.width - x ? size.width : x + max(0, maxWidth)
        var cx = x
        for scalar in text.unicodeScalars {
            if cx >= limit { break }
            let v = scalar.value
            let ch: Character
            if v >= 0x20 && v < 0x7F {
                ch = Character(scalar)
            } else if v < 0x20 || (v >= 0x7F && v < 0xA0) {
                ch = "?"
            } else if Self.isZeroWidth(v) {
                continue
            } else if asciiOnly {
                ch = Self.asciiFallback[scalar] ?? "?"
            } else if Self.isWide(v) {
                ch = "?"
            } else {
                ch = Character(scalar)
            }
            if cx >= 0 { cells[y * size.width + cx] = Cell(ch, style) }
            cx += 1
        }
        return max(0, cx - x)
    }

    /// Writes `text` left-aligned in a field of `width` columns, padding with spaces (or cutting with `…`).
    public mutating func putField(_ text: String, x: Int, y: Int, width: Int, style: Style = .plain, alignRight: Bool = false, ellipsis: Character = "…") {
        guard width > 0 else { return }
        let t = Self.fit(text, width: width, ellipsis: asciiOnly ? "~" : ellipsis)
        let pad = width - t.unicodeScalars.count
        fill(Rect(x: x, y: y, width: width, height: 1), " ", style)
        put(t, x: alignRight ? x + max(0, pad) : x, y: y, style: style, maxWidth: width)
    }

    /// `text` cut to `width` columns, ending with `ellipsis` when cut.
    public static func fit(_ text: String, width: Int, ellipsis: Character = "…") -> String {
        let scalars = text.unicodeScalars
        if scalars.count <= width { return text }
        if width <= 0 { return "" }
        var s = String(String.UnicodeScalarView(scalars.prefix(width - 1)))
        s.append(ellipsis)
        return s
    }

    /// Records a clickable region.
    public mutating func addHitRegion(_ rect: Rect, _ target: HitTarget) {
        let r = rect.intersection(bounds)
        if !r.isEmpty { hitRegions.append(HitRegion(rect: r, target: target)) }
    }

    /// The target under (x, y), the topmost first.
    public func hitTarget(x: Int, y: Int) -> HitTarget? {
        hitRegions.last { $0.rect.contains(x: x, y: y) }?.target
    }

    /// Removes the hit regions inside `rect` (an overlay covers them).
    public mutating func clearHitRegions(in rect: Rect) {
        hitRegions.removeAll { !$0.rect.intersection(rect).isEmpty }
    }

    /// The screen as text, one string per row, trailing spaces removed (for tests and snapshots).
    public var lines: [String] {
        (0..<size.height).map { y in
            var s = ""
            s.reserveCapacity(size.width)
            for x in 0..<size.width { s.append(cells[y * size.width + x].char) }
            while s.last == " " { s.removeLast() }
            return s
        }
    }

    /// The screen as one string (rows joined by newlines).
    public var text: String { lines.joined(separator: "\n") }

    /// ASCII stand-ins for the drawing characters and punctuation the views use (the same as `Glyphs.ascii`).
    static let asciiFallback: [Unicode.Scalar: Character] = [
        "█": "#", "▓": "*", "▒": "+", "░": ":", "·": ".", "▪": "o", "■": "#", "★": "*", "●": "*", "◐": "?", "○": "o",
        "✖": "X", "×": "x", "↯": "!", "✓": "v", "✗": "x", "→": ">", "←": "<", "↑": "^", "↓": "v", "…": "~", "—": "-", "–": "-",
        "▁": "_", "▂": ".", "▃": ",", "▄": ":", "▅": ";", "▆": "=", "▇": "%", "▶": ">", "❚": "|", "›": ">",
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "┃": "#", "α": "a", "≤": "<", "≥": ">",
    ]

    static func isZeroWidth(_ v: UInt32) -> Bool {
        (0x0300...0x036F).contains(v) || (0x200B...0x200F).contains(v) || v == 0xFE0F || v == 0xFE0E
            || (0x20D0...0x20FF).contains(v)
    }

    /// East Asian wide and emoji ranges: two columns in a terminal, so not drawable in one cell.
    static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || v >= 0x20000
    }
}
