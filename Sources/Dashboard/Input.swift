/// A key press, decoded by the backend.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    /// A printable character (including space).
    case char(Character)
    /// Control + a letter (other than those with their own key: Tab, Enter, Backspace).
    case ctrl(Character)
    case up, down, left, right, enter, escape, tab, backTab, backspace, delete, pageUp, pageDown, home, end

    public var description: String {
        switch self {
        case .char(" "): return "space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "ctrl-\(c)"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .enter: return "enter"
        case .escape: return "esc"
        case .tab: return "tab"
        case .backTab: return "shift-tab"
        case .backspace: return "backspace"
        case .delete: return "delete"
        case .pageUp: return "pgup"
        case .pageDown: return "pgdn"
        case .home: return "home"
        case .end: return "end"
        }
    }

    /// The same name in ASCII (for `--ascii` screens).
    public var asciiDescription: String {
        switch self {
        case .up: return "up"
        case .down: return "down"
        case .left: return "left"
        case .right: return "right"
        default: return description
        }
    }
}

/// Something the user did.
public enum InputEvent: Sendable, Hashable {
    case key(Key)
    /// A left click at a cell.
    case click(x: Int, y: Int)
    /// The mouse wheel.
    case scroll(up: Bool)
    /// The terminal changed size.
    case resize(Size)
}
