import Testing
@testable import Protocols

@Suite struct DNSParserTests {
    @Test func queryHeaderFlagsAndQuestion() throws {
        let m = try DNSBuild.parse(DNSBuild.header(id: 0xbeef, flags: 0x0130) + DNSBuild.question("a.example.org", type: 28))
        #expect(m.header.id == 0xbeef && !m.isResponse && m.header.flags.recursionDesired)
        #expect(m.header.flags.authenticData && m.header.flags.checkingDisabled && !m.header.flags.authoritative)
        #expect(m.question == DNSQuestion(name: "a.example.org", type: 28, class: 1))
        #expect(m.error == nil && m.length == 12 + 15 + 4)
    }

    @Test func responseRecordsOfEveryDecodedType() throws {
        let q = DNSBuild.question("example.com", type: 255)
        let owner = DNSBuild.pointer(12)
        var records: [[UInt8]] = []
        records.append(DNSBuild.record(owner, type: 1, rdata: [10, 0, 0, 1]))
        records.append(DNSBuild.record(owner, type: 28, rdata: [0x20, 1, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]))
        records.append(DNSBuild.record(owner, type: 5, rdata: DNSBuild.name("alias") .dropLast() + DNSBuild.pointer(12)))
        records.append(DNSBuild.record(owner, type: 15, rdata: DNSBuild.u16(10) + DNSBuild.name("mx.example.com")))
        records.append(DNSBuild.record(owner, type: 16, rdata: [5] + Array("hello".utf8) + [3] + Array("a\"b".utf8)))
        records.append(DNSBuild.record(owner, type: 6, rdata: DNSBuild.name("ns1.example.com") + DNSBuild.name("admin.example.com")
                                       + DNSBuild.u32(2024) + DNSBuild.u32(7200) + DNSBuild.u32(900) + DNSBuild.u32(86400) + DNSBuild.u32(300)))
        records.append(DNSBuild.record(owner, type: 33, rdata: DNSBuild.u16(1) + DNSBuild.u16(5) + DNSBuild.u16(5060) + DNSBuild.name("sip.example.com")))
        records.append(DNSBuild.record(owner, type: 12, rdata: DNSBuild.name("host.example.com")))
        records.append(DNSBuild.record(owner, type: 2, rdata: DNSBuild.name("ns.example.com")))
        let svcb = DNSBuild.u16(1) + [0] + DNSBuild.u16(1) + DNSBuild.u16(6) + [2] + Array("h3".utf8) + [2] + Array("h2".utf8)
            + DNSBuild.u16(3) + DNSBuild.u16(2) + DNSBuild.u16(8443) + DNSBuild.u16(4) + DNSBuild.u16(4) + [192, 0, 2, 7]
            + DNSBuild.u16(6) + DNSBuild.u16(16) + [0x20, 1, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [7]
        records.append(DNSBuild.record(owner, type: 65, rdata: svcb))
        records.append(DNSBuild.record(owner, type: 99, rdata: [1, 2, 3]))
        let bytes = DNSBuild.header(id: 1, flags: 0x8580, an: records.count) + q + records.flatMap { $0 }
        let m = try DNSBuild.parse(bytes)
        #expect(m.error == nil)
        #expect(m.answers.map(\.dataText) == [
            "10.0.0.1", "2001:db8::1", "alias.example.com", "10 mx.example.com", "\"hello\" \"a\\\"b\"",
            "ns1.example.com admin.example.com 2024 7200 900 86400 300", "1 5 5060 sip.example.com", "host.example.com",
            "ns.example.com", "1 . alpn=h3,h2 port=8443 ipv4hint=192.0.2.7 ipv6hint=2001:db8::7", "",
        ])
        #expect(m.answers.allSatisfy { $0.name == "example.com" && $0.ttl == 60 })
        #expect(m.answers.last?.rdataLength == 3 && m.answers.last?.type == 99)
        #expect(m.header.flags.authoritative && m.header.flags.recursionAvailable)
    }

    @Test func ednsOptRecord() throws {
        let opt: [UInt8] = [0] + DNSBuild.u16(41) + DNSBuild.u16(4096) + [0, 0, 0x80, 0] + DNSBuild.u16(12) + DNSBuild.u16(10) + DNSBuild.u16(8) + [1, 2, 3, 4, 5, 6, 7, 8]
        let m = try DNSBuild.parse(DNSBuild.header(id: 7, flags: 0x0100, ar: 1) + DNSBuild.question("example.com") + opt)
        guard case .opt(let edns) = m.edns?.data else { Issue.record("no OPT"); return }
        #expect(edns.udpPayloadSize == 4096 && edns.dnssecOK && edns.optionCodes == [10])
        #expect(m.edns?.name == ".")
    }

    @Test func headerTooShortThrowsTruncated() {
        #expect(throws: ParseError(.truncated, at: 5, "DNS header needs 12 bytes, have 5")) { try DNSBuild.parse([1, 2, 3, 4, 5]) }
    }

    @Test func truncatedRecordKeepsWhatCameBefore() throws {
        let whole = DNSBuild.response()
        let m = try DNSBuild.parse(Array(whole.dropLast(2)))
        #expect(m.question?.name == "www.example.com" && m.answers.isEmpty)
        #expect(m.error?.kind == .truncated && m.error?.offset == 12 + 17 + 4 + 12)
    }

    @Test func compressionLoopIsMalformed() throws {
        // The question name is a pointer to itself.
        let m = try DNSBuild.parse(DNSBuild.header(id: 1, flags: 0) + DNSBuild.pointer(12) + DNSBuild.u16(1) + DNSBuild.u16(1))
        #expect(m.error?.kind == .malformed && m.error?.offset == 12 && m.questions.isEmpty)
    }

    @Test func pointerPastTheEndIsMalformed() throws {
        let m = try DNSBuild.parse(DNSBuild.header(id: 1, flags: 0) + DNSBuild.pointer(0x3fff) + DNSBuild.u16(1) + DNSBuild.u16(1))
        #expect(m.error?.kind == .malformed)
    }

    @Test func extendedLabelTypeIsMalformed() throws {
        let m = try DNSBuild.parse(DNSBuild.header(id: 1, flags: 0) + [0x41, 0] + DNSBuild.u16(1) + DNSBuild.u16(1))
        #expect(m.error?.kind == .malformed && m.error?.offset == 12)
    }

    @Test func overLongNameIsCutAndFlagged() throws {
        // Labels chained by pointers build a 2000+ character name from a short message.
        var bytes = DNSBuild.header(id: 1, flags: 0, qd: 2)
        bytes += DNSBuild.question(String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63))
        for _ in 0 ..< 20 { bytes += [63] + [UInt8](repeating: 0x63, count: 63) }
        bytes += DNSBuild.pointer(12) + DNSBuild.u16(16) + DNSBuild.u16(1)
        var limits = DNSLimits()
        limits.maxNameLength = 1025
        let m = try DNSBuild.parse(bytes, limits: limits)
        #expect(m.questions.count == 2)
        #expect(m.questions[1].name.count == 1025 && m.questions[1].nameTruncated)
        #expect(m.error?.kind == .limitExceeded)
    }

    @Test func recordLimitCountsTheRest() throws {
        var limits = DNSLimits()
        limits.maxRecords = 2
        let a = DNSBuild.record(DNSBuild.pointer(12), type: 1, rdata: [1, 1, 1, 1])
        let m = try DNSBuild.parse(DNSBuild.header(id: 1, flags: 0x8000, an: 5) + DNSBuild.question("x.org") + a + a + a + a + a, limits: limits)
        #expect(m.answers.count == 2 && m.droppedRecords == 3 && m.error?.kind == .limitExceeded)
    }

    @Test func badAddressLengthIsMalformedButParsingGoesOn() throws {
        let bad = DNSBuild.record(DNSBuild.pointer(12), type: 1, rdata: [1, 1, 1])
        let good = DNSBuild.record(DNSBuild.pointer(12), type: 1, rdata: [2, 2, 2, 2])
        let m = try DNSBuild.parse(DNSBuild.header(id: 1, flags: 0x8000, an: 2) + DNSBuild.question("x.org") + bad + good)
        #expect(m.answers.count == 2 && m.answers[1].dataText == "2.2.2.2" && m.error?.kind == .malformed)
    }

    @Test func escapedLabels() throws {
        let bytes = DNSBuild.header(id: 1, flags: 0) + [3, 0x61, 0x2e, 0x20, 0] + DNSBuild.u16(1) + DNSBuild.u16(1)
        #expect(try DNSBuild.parse(bytes).question?.name == "a\\.\\032")
    }

    @Test func tcpdumpSummaries() throws {
        #expect(try DNSBuild.parse(DNSBuild.query(id: 22836)).tcpdumpSummary == "22836+ A? www.example.com. (33)")
        #expect(try DNSBuild.parse(DNSBuild.response(id: 5)).tcpdumpSummary == "5 1/0/0 A 192.0.2.1 (49)")
    }
}
