import QueryLanguage
import Testing

/// The flow condition a packets query implies (`Expression.flowScope`).
@Suite struct ExpressionFlowScopeTests {
    static func scope(_ query: String) throws -> String? {
        try QueryParser.parse(query).flowScope?.text
    }

    @Test func addressTestsCarryOverToEitherSideOfTheFlow() throws {
        #expect(try Self.scope("ip.src == 10.0.0.1") == "ip.addr == 10.0.0.1")
        #expect(try Self.scope("destination.ip == 10.0.0.0/8") == "ip.addr == 10.0.0.0/8")
        #expect(try Self.scope("host == 2001:db8::1") == "ip.addr == 2001:db8::1")
        #expect(try Self.scope("ip.dst in {10.0.0.1, 10.9.0.0/16}") == "ip.addr in {10.0.0.1, 10.9.0.0/16}")
    }

    @Test func conjunctionsKeepWhatEitherSideImplies() throws {
        #expect(try Self.scope("tcp && ip.src == 10.0.0.1 && frame.len > 100") == "ip.addr == 10.0.0.1")
        #expect(try Self.scope("ip.src == 10.0.0.1 && ip.dst == 10.0.0.2") == "ip.addr == 10.0.0.1 && ip.addr == 10.0.0.2")
        #expect(try Self.scope("ip.src == 10.0.0.1 || ip.addr == 10.0.0.2") == "ip.addr == 10.0.0.1 || ip.addr == 10.0.0.2")
    }

    /// Nothing is implied by a negation, an inequality, a disjunction with a
    /// side that implies nothing, ports (a lone fragment has ports, its flow
    /// none) or application fields (they already go through flow keys).
    @Test func whatImpliesNothing() throws {
        for query in ["!(ip.addr == 10.0.0.1)", "ip.addr != 10.0.0.1", "ip.addr == 10.0.0.1 || udp",
                      "port == 80", "tcp.port in {80, 443}", "ip.addr exists", "dns.resolved_ip == 10.0.0.1",
                      "dhcp.assigned_address == 10.0.0.1", "frame.len > 100"] {
            #expect(try Self.scope(query) == nil, "\(query)")
        }
    }
}
