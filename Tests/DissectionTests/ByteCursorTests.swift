import TestSupport
import Dissection
import Testing

@Suite struct ByteCursorTests {
    let data: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09]

    @Test func bigEndianReadsMoveOnlyOnSuccess() {
        data.withUnsafeBytes { raw in
            var c = ByteCursor(raw)
            #expect(c.readUInt8() == 0x01 && c.position == 1)
            #expect(c.readUInt16() == 0x0203 && c.position == 3)
            #expect(c.readUInt32() == 0x0405_0607 && c.position == 7)
            #expect(c.readUInt32() == nil && c.position == 7)
            #expect(c.readUInt16() == 0x0809 && c.position == 9)
            #expect(c.isAtEnd && c.remaining == 0)
            #expect(c.readUInt8() == nil && c.readUInt16() == nil && c.position == 9)
        }
    }

    @Test func peeksAreBoundedAndDoNotMove() {
        data.withUnsafeBytes { raw in
            let c = ByteCursor(raw, at: 5)
            #expect(c.peekUInt8() == 0x06)
            #expect(c.peekUInt8(at: 3) == 0x09)
            #expect(c.peekUInt8(at: 4) == nil)
            #expect(c.peekUInt8(at: -1) == nil, "no reading behind the cursor")
            #expect(c.peekUInt16(at: 2) == 0x0809)
            #expect(c.peekUInt16(at: 3) == nil)
            #expect(c.peekUInt32() == 0x0607_0809)
            #expect(c.peekUInt32(at: 1) == nil)
            #expect(c.peekUInt32(at: -1) == nil)
            #expect(c.peekUInt32LittleEndian() == 0x0908_0706)
            #expect(c.peekUInt64() == nil)
            #expect(ByteCursor(raw).peekUInt64(at: 1) == 0x0203_0405_0607_0809)
            #expect(ByteCursor(raw).peekUInt64(at: 2) == nil)
            // Offsets near Int.max must not overflow the bound check.
            #expect(c.peekUInt8(at: Int.max - 2) == nil)
            #expect(c.peekUInt16(at: Int.max - 1) == nil)
            #expect(c.peekUInt32(at: Int.max - 3) == nil)
            #expect(c.peekUInt64(at: Int.max - 7) == nil)
            #expect(c.peekUInt32LittleEndian(at: Int.max) == nil)
            #expect(c.position == 5)
        }
    }

    @Test func skipAndHas() {
        data.withUnsafeBytes { raw in
            var c = ByteCursor(raw)
            #expect(c.has(9) && !c.has(10) && !c.has(-1) && c.has(0))
            #expect(!c.skip(10) && c.position == 0)
            #expect(!c.skip(-1) && c.position == 0)
            #expect(c.skip(4) && c.position == 4 && c.remaining == 5)
            #expect(c.skip(5) && c.isAtEnd)
            let skippedNothing = c.skip(0)
            #expect(skippedNothing)
        }
    }

    @Test func initialPositionIsClamped() {
        data.withUnsafeBytes { raw in
            #expect(ByteCursor(raw, at: -3).position == 0)
            #expect(ByteCursor(raw, at: 100).position == 9)
            #expect(ByteCursor(raw, at: 100).peekUInt8() == nil)
        }
    }

    @Test func slicesShareStorageAndAreBounded() {
        data.withUnsafeBytes { raw in
            var c = ByteCursor(raw, at: 2)
            let slice = c.readSlice(3)
            #expect(slice.map(Array.init) == [0x03, 0x04, 0x05])
            #expect(slice?.baseAddress == raw.baseAddress.map { $0 + 2 })
            #expect(c.position == 5)
            #expect(c.readSlice(5) == nil && c.position == 5)
            #expect(c.readSlice(-1) == nil)
            #expect(c.readSlice(4)?.count == 4 && c.isAtEnd)
            #expect(c.readSlice(0)?.count == 0)
        }
    }

    @Test func emptyBuffer() {
        [UInt8]().withUnsafeBytes { raw in
            var c = ByteCursor(raw)
            #expect(c.isAtEnd && c.remaining == 0)
            #expect(c.peekUInt8() == nil && c.readUInt32() == nil && c.readSlice(1) == nil)
            let past = c.skip(1), none = c.skip(0)
            #expect(!past && none)
        }
    }
}
