/// The characters views draw with: box drawing, shades and markers in Unicode, or plain ASCII
/// (no UTF-8 locale, `--ascii`, `TERM=dumb`). Views never spell a drawing character themselves.
public struct Glyphs: Sendable, Hashable {
    public var horizontal: Character, vertical: Character
    public var topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character
    /// Piece-map shades for a column whose pieces are 0, ≤⅓, ≤⅔, <1, and all held.
    public var shades: [Character]
    /// A column holding a piece being downloaded (and no complete one).
    public var downloading: Character
    /// Eight levels of a bar or sparkline, lowest first.
    public var levels: [Character]
    /// A piece nobody holds.
    public var none: Character
    public var running: Character, crashed: Character, departed: Character, absent: Character, linkDown: Character
    public var play: String, pause: String
    public var arrowRight: String, arrowLeft: String
    public var cursor: Character
    public var scrollTrack: Character, scrollThumb: Character
    public var ellipsis: Character
    public var check: Character, cross: Character
    public var optimistic: Character
    /// A rate-ranked unchoke in the choke history and matrix.
    public var unchoked: Character
    /// DHT contact states.
    public var good: Character, questionable: Character, bad: Character
    public var isASCII: Bool

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        shades: ["·", "░", "▒", "▓", "█"], downloading: "▪",
        levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], none: "×",
        running: "●", crashed: "✖", departed: "○", absent: "·", linkDown: "↯",
        play: "▶", pause: "❚❚", arrowRight: "→", arrowLeft: "←", cursor: "›",
        scrollTrack: "│", scrollThumb: "┃", ellipsis: "…", check: "✓", cross: "✗", optimistic: "★",
        unchoked: "■", good: "●", questionable: "◐", bad: "○", isASCII: false)

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        shades: [".", ":", "+", "*", "#"], downloading: "o",
        levels: ["_", ".", ",", ":", ";", "=", "%", "#"], none: "x",
        running: "*", crashed: "X", departed: "o", absent: ".", linkDown: "!",
        play: ">", pause: "||", arrowRight: "->", arrowLeft: "<-", cursor: ">",
        scrollTrack: "|", scrollThumb: "#", ellipsis: "~", check: "v", cross: "x", optimistic: "*",
        unchoked: "#", good: "+", questionable: "?", bad: "x", isASCII: true)

    /// The level glyph for `value` out of `maximum` (0 maps to the lowest level).
    public func level(_ value: Int, of maximum: Int) -> Character {
        guard maximum > 0, value > 0 else { return levels[0] }
        let i = min(levels.count - 1, (value * levels.count - 1) / maximum)
        return levels[max(0, i)]
    }

    /// The shade for `held` of `total` pieces.
    public func shade(_ held: Int, of total: Int) -> Character {
        if held <= 0 || total <= 0 { return shades[0] }
        if held >= total { return shades[4] }
        let f = Double(held) / Double(total)
        return f <= 1.0 / 3 ? shades[1] : f <= 2.0 / 3 ? shades[2] : shades[3]
    }
}

/// The styles views use, by meaning. Colours are dropped on monochrome terminals; the attributes stay.
public enum Theme {
    /// The status line: reverse video (a cyan bar in colour).
    public static let statusBar = Style(fg: .cyan, bold: true, reverse: true)
    public static let tab = Style()
    public static let activeTab = Style(bold: true, reverse: true)
    public static let header = Style(bold: true, underline: true)
    public static let title = Style(fg: .cyan, bold: true)
    public static let frame = Style(fg: .blue)
    public static let text = Style()
    public static let dim = Style(dim: true)
    public static let key = Style(fg: .yellow, bold: true)
    public static let ok = Style(fg: .green)
    public static let good = Style(fg: .green, bold: true)
    public static let warn = Style(fg: .yellow, bold: true)
    public static let bad = Style(fg: .red, bold: true)
    /// A failed component: unmistakable in colour and in monochrome (reverse video).
    public static let failed = Style(fg: .red, bold: true, reverse: true)
    public static let info = Style(fg: .cyan)
    public static let accent = Style(fg: .magenta, bold: true)
    public static let selected = Style(reverse: true)
    public static let error = Style(fg: .red, bold: true)
    public static let have = Style(fg: .green)
    public static let downloading = Style(fg: .yellow, bold: true)
    public static let missing = Style(dim: true)
}
