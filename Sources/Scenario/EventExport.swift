public import SimKernel

extension LogEntry {
    /// The entry as one JSON Lines record: `{"time_ns":…,"time_s":…,"node":…,"kind":…,"fields":{…}}`.
    /// Keys are in a fixed order; `node` is the host name, or null for the environment.
    public func jsonLine(hostNames: [String]) -> String {
        var s = "{\"time_ns\":\(time.nanoseconds),\"time_s\":\(formatDecimal(time.seconds, places: 9)),\"node\":"
        if let node, node < hostNames.count { s += jsonString(hostNames[node]) } else { s += "null" }
        s += ",\"kind\":" + jsonString(kind) + ",\"fields\":{"
        for (i, f) in fields.enumerated() {
            if i > 0 { s += "," }
            s += jsonString(f.key) + ":"
            switch f.value {
            case .int(let v): s += String(v)
            case .double(let v): s += v.isFinite ? String(v) : "null"
            case .bool(let v): s += v ? "true" : "false"
            case .string(let v): s += jsonString(v)
            }
        }
        return s + "}}"
    }
}

/// A JSON string literal with the required escapes.
public func jsonString(_ text: String) -> String {
    var out = "\""
    for u in text.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
