import Foundation
import PostgresClient
import QueryLanguage
import TestSupport
import Testing

@Suite struct QueryCompilerTests {
    @Test func valuesAreParametersNeverText() throws {
        let condition = try QueryCompiler.compile(
            "ip.addr == 10.1.2.3/8 && port in {80, 8000..8100} && sensor == \"x'; DROP TABLE packets; --\"", for: .packets)
        #expect(condition.parameters == [.text("10.1.2.3/8"), .integer(80), .integer(8000), .integer(8100),
                                         .text("x'; DROP TABLE packets; --")])
        #expect(!condition.text.contains("DROP") && !condition.text.contains("10.1") && !condition.text.contains("8000"))
        #expect(condition.text.contains("network($1::inet)"))
        let numbered = try QueryCompiler.compile("port == 1", for: .flows, firstParameter: 4)
        #expect(numbered.text.contains("$4") && !numbered.text.contains("$1"))
    }

    /// Text tests other than equality are LIKE patterns (a trigram index
    /// serves them) that match the value literally.
    @Test func textTestsAreLiteralLikePatterns() throws {
        let cases: [(String, String)] = [
            (#"url.original contains "a%b_c\\d""#, #"%a\%b\_c\\d%"#),
            (#"sni startswith "www.""#, "www.%"),
            (#"dns.question.name endswith ".example""#, "%.example"),
            ("sni == *.exa_mple.com", #"%.exa\_mple.com"#),
        ]
        for (query, pattern) in cases {
            let condition = try QueryCompiler.compile(query, for: .flows)
            #expect(condition.text.contains("LIKE $1"), "\(query)")
            #expect(condition.parameters == [.text(pattern)], "\(query)")
        }
    }

    @Test func typeErrorsSayWhereAndHint() {
        let cases: [(String, Int, String)] = [
            ("sensor < \"a\"", 9, "does not apply to text"),
            ("port contains 8", 14, "applies to text"),
            ("ip.addr > 10.0.0.1", 10, "does not apply to addresses"),
            ("ip.addr == 10.0.0.300", 11, "not an IP address"),
            ("ip.addr == 10.0.0.0/33", 11, "prefix length"),
            ("ipv6.addr == 2001:db8::/129", 13, "prefix length"),
            ("port == eighty", 8, "not a number"),
            ("proto == tcpp", 9, "not a number"),
            ("sensor matches \"([a-z\"", 15, "does not compile"),
            ("dns.question.name > \"a\"", 20, "does not apply to text"),
            ("http.status contains 2", 21, "applies to text"),
            ("dns.resolved_ip == 10.0.0.0/40", 19, "prefix length"),
            ("ip.adr == 10.0.0.1", 0, "unknown field"),
            ("sensor in {1..2}", 11, "ranges apply to numbers"),
            ("port == 99999999999999999999", 8, "out of range"),
            ("flow.duration > 9223372036854775807", 16, "out of range"),
        ]
        for (query, position, message) in cases {
            do {
                _ = try QueryCompiler.compile(query, for: .packets)
                Issue.record("`\(query)` compiled")
            } catch {
                #expect(error.position == position && error.message.contains(message), "`\(query)`: \(error)")
            }
        }
        #expect((try? QueryCompiler.compile("ip.adr == 10.0.0.1", for: .packets)) == nil)
        do {
            _ = try QueryCompiler.compile("ip.adr == 10.0.0.1", for: .packets)
        } catch {
            #expect(error.hint == "did you mean `ip.addr`?")
        }
    }

    /// Literals the column's type cannot hold: a query error at the literal,
    /// never a PostgreSQL error when the parameter is bound.
    @Test func literalsOutsideTheColumnAreRefusedWhereTheyStand() {
        let cases: [(String, Int)] = [
            ("port in {0..2147483648}", 9),
            ("packet.size > 2147483648", 14),
            ("vlan.id == 9999999999", 11),
            ("port == 65536", 8),
            ("port == -1", 8),
            ("tcp.dstport in {80, 65536}", 20),
            ("port in {-1..80}", 9),
            ("packet.size < -2147483649", 14),
            ("packet.caplen == 2147483648", 17),
            ("vlan.id == 4096", 11),
            ("proto == 256", 9),
            ("dns.id == 65536", 10),
            ("flow.duration > 9223372037", 16),
            ("frame.number == 9223372036854775808", 16),
        ]
        for (query, position) in cases {
            for target in [QueryTarget.packets, .flows] {
                do {
                    _ = try QueryCompiler.compile(query, for: target)
                    Issue.record("`\(query)` compiled")
                } catch {
                    #expect(error.position == position && error.message.contains("out of range"), "`\(query)`: \(error)")
                }
            }
        }
    }

    @Test func literalsAtTheColumnsLimitsCompile() throws {
        let cases: [(String, [SQLCondition.Parameter])] = [
            ("port in {0..65535}", [.integer(0), .integer(65535)]),
            ("packet.size > 2147483647", [.integer(2_147_483_647)]),
            ("packet.size > -2147483648", [.integer(-2_147_483_648)]),
            ("vlan.id == 4095", [.integer(4095)]),
            ("proto == 255", [.integer(255)]),
            ("dns.id == 65535", [.integer(65535)]),
            ("flow.duration > 9223372036", [.integer(9_223_372_036_000_000_000)]),
            ("frame.number == 9223372036854775807", [.integer(Int64.max)]),
        ]
        for (query, parameters) in cases {
            #expect(try QueryCompiler.compile(query, for: .packets).parameters == parameters, "\(query)")
        }
    }
}

/// Hostile queries run as parameterised SQL against the real schema: each
/// is a query error or an empty result, and the tables survive.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("query"))
struct QueryInjectionTests {
    @Test func injectionAttemptsStayValues() async throws {
        let hostile = [
            "sensor == \"'; DROP TABLE packets; --\"", "sensor == \"\\\" OR 1=1 --\"", "sensor contains \"%' OR '1'='1\"",
            "sensor matches \"'.*\"", "sensor == *'*", "sensor endswith \"');DELETE FROM flows;--\"",
            "community_id == \"x\" || sensor == \"y\"", "ip.addr == 1.2.3.4/0", "sensor == \"\u{0000}\"",
            "sensor == \"ＤＲＯＰ ｔａｂｌｅ\"", "sensor == \"" + String(repeating: "A", count: 3_000) + "\"",
            "port == 1; DROP TABLE flows", "port == 1 -- comment", "sensor == $$x$$", "vlan.id in {1, 2..3}",
            "dns.question.name == \"'; DROP TABLE dns_events; --\"", "url.original matches \"'.*\"",
            "tls.server.name == *'*", "dhcp.assigned_address == 10.0.0.0/8", "dns && !tls",
            "http.status in {200..299, 404}", "dns.resolved_ip == 10.0.0.1", "ja3 == \"e7d705a3286e19ea42f587b344ee6865\"",
        ]
        let outcomes = try await TrafficDatabase.with("query") { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            try StoredPackets.createTable(connection)
            var outcomes: [String] = []
            for query in hostile {
                for target in [QueryTarget.packets, .flows] {
                    guard let condition = try? QueryCompiler.compile(query, for: target) else {
                        outcomes.append("refused")
                        continue
                    }
                    let table = target == .packets ? "packets p" : "flows f"
                    do {
                        let count = try connection.query("SELECT count(*) FROM \(table) WHERE \(condition.text)", condition.bound).scalar
                        outcomes.append("rows \(count ?? "?")")
                    } catch {
                        outcomes.append("database error")
                    }
                }
            }
            let tables = try connection.query("""
                SELECT count(*) FROM pg_tables WHERE tablename IN ('packets', 'legacy_packets', 'flows', 'captures', 'sensors', 'api_keys',
                    'dns_events', 'http_events', 'tls_events', 'dhcp_events', 'icmp_events')
                """).scalar
            outcomes.append("tables \(tables ?? "?")")
            return outcomes
        }
        #expect(outcomes.last == "tables 11")
        #expect(!outcomes.dropLast().contains { $0.hasPrefix("rows") && $0 != "rows 0" }, "\(outcomes)")
        #expect(outcomes.contains("refused") && outcomes.contains("rows 0"))
    }

    /// What the compiler takes, the columns hold: literals at the limits bind.
    @Test func literalsAtTheLimitsBind() async throws {
        let queries = [
            "port in {0..65535}", "packet.size > 2147483647", "packet.caplen < -2147483648", "vlan.id == 4095",
            "proto == 255", "dns.id == 65535", "flow.duration > 9223372036", "frame.number > 9223372036854775807",
            "flow.bytes > 9223372036854775807",
        ]
        let failures = try await TrafficDatabase.with("query") { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            try StoredPackets.createTable(connection)
            var failures: [String] = []
            for query in queries {
                for (target, table) in [(QueryTarget.packets, "packets p"), (.flows, "flows f")] {
                    let condition = try QueryCompiler.compile(query, for: target)
                    do {
                        _ = try connection.query("SELECT count(*) FROM \(table) WHERE \(condition.text)", condition.bound)
                    } catch {
                        failures.append("\(query) on \(table): \(error)")
                    }
                }
            }
            return failures
        }
        #expect(failures.isEmpty, "\(failures)")
    }
}

extension SQLCondition {
    /// The parameters as the connection binds them.
    var bound: [(any PostgresParameter)?] {
        parameters.map {
            switch $0 {
            case .integer(let value): value
            case .text(let value): value
            // The index answers these; an empty set of flow keys binds as one would.
            case .flowsOf: "{}"
            }
        }
    }
}
