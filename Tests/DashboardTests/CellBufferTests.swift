@testable import Dashboard
import Testing

@Suite struct CellBufferTests {
    @Test func putClipsAndKeepsOneColumnPerCharacter() {
        var b = CellBuffer(size: Size(width: 10, height: 2))
        #expect(b.put("hello world", x: 2, y: 0) == 8)
        #expect(b.lines[0] == "  hello wo")
        b.put("é中\u{0301}x\t", x: 0, y: 1)  // a wide character and a control become ?, the combining mark is dropped
        #expect(b.lines[1] == "é?x?")
        #expect(b.put("off", x: 0, y: 5) == 0)
        b.put("abc", x: -1, y: 0)
        #expect(b.lines[0].hasPrefix("bc"))
    }

    @Test func asciiBuffersTransliterate() {
        var b = CellBuffer(size: Size(width: 12, height: 1), asciiOnly: true)
        b.put("█▒·→ ✖ é", x: 0, y: 0)
        #expect(b.lines[0] == "#+.> X ?")
        #expect(b.cells.allSatisfy { $0.char.isASCII })
    }

    @Test func fieldsPadAndEllipsize() {
        var b = CellBuffer(size: Size(width: 12, height: 1))
        b.putField("abcdefgh", x: 0, y: 0, width: 5)
        b.putField("7", x: 6, y: 0, width: 3, alignRight: true)
        #expect(b.lines[0] == "abcd…   7")
    }

    @Test func hitRegionsTopmostWins() {
        var b = CellBuffer(size: Size(width: 10, height: 3))
        b.addHitRegion(Rect(x: 0, y: 0, width: 10, height: 3), .row(1))
        b.addHitRegion(Rect(x: 0, y: 1, width: 10, height: 1), .tab(.events))
        #expect(b.hitTarget(x: 3, y: 1) == .tab(.events))
        #expect(b.hitTarget(x: 3, y: 2) == .row(1))
        #expect(b.hitTarget(x: 30, y: 2) == nil)
    }

    @Test func pieceBitsCountRanges() {
        var p = PieceBits(count: 200)
        for i in stride(from: 0, to: 200, by: 3) { p[i] = true }
        #expect(p.setCount == 67)
        #expect(p.setCount(in: 0..<64) == 22)
        #expect(p.setCount(in: 60..<130) == (60..<130).filter { $0 % 3 == 0 }.count)
        #expect(p.setCount(in: 190..<500) == 3)
        #expect(PieceBits.full(130).setCount == 130)
        #expect(PieceBits(words: [~0, ~0, ~0], count: 130).setCount == 130)
        #expect(!p[-1] && !p[999])
    }

    @Test func formats() {
        #expect(Format.rate(1_000_000) == "1Mb/s")
        #expect(Format.rate(1_500_000) == "1.5Mb/s")
        #expect(Format.rate(256_000) == "256kb/s")
        #expect(Format.bytes(0) == "0B")
        #expect(Format.bytes(1_234_567) == "1.2MB")
        #expect(Format.duration(.seconds(240)) == "4m00s")
        #expect(Format.duration(.milliseconds(63_200)) == "1m03.2s")
        #expect(Format.duration(.milliseconds(42_500)) == "42.5s")
        #expect(Format.duration(.seconds(10)) == "10s")
        #expect(Format.duration(.milliseconds(1_250)) == "1.25s")
        #expect(Format.duration(.milliseconds(850)) == "850ms")
        #expect(Format.percent(0.004) == "<1%")
        #expect(Format.percent(0.999) == "99%")
        #expect(Format.percent(1) == "100%")
    }

    @Test func columnsDropByPriority() {
        let cols = [Column("A", 10), Column("B", 10, priority: 2), Column("C", 10, priority: 1)]
        #expect(Column.fit(cols, width: 32) == [0, 1, 2])
        #expect(Column.fit(cols, width: 25) == [0, 2])
        #expect(Column.fit(cols, width: 5) == [0])
    }
}
