import PropertyBased
import QueryLanguage
import TestSupport
import Testing

@Suite struct QueryParserTests {
    @Test func everyConstructParsesAndPrintsBack() throws {
        let queries = [
            "tcp", "ip.src == 10.0.0.1", "ip.addr == 10.0.0.0/8", "ipv6.addr == 2001:db8::/32",
            "port in {80, 443, 8000..8100}", "packet.size >= 1000", "packet.size < 60", "proto == udp",
            "tcp && port == 443", "tcp and port == 443", "udp || icmp", "udp or icmp", "!tcp", "not tcp",
            "!(port == 53)", "(tcp || udp) && !(port == 53)", "network.community_id == \"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\"",
            "sensor contains probe", "sensor matches \"^pro.e[0-9]+$\"", "sensor startswith pro", "sensor endswith \"-1\"",
            "sensor == *probe*", "vlan.id exists", "vlan.id !exists", "vlan.id ! exists", "flow.bytes > 1000000",
            "ip.src != 192.168.0.0/16", "capture.id in {1, 2, 3}", "sensor == \"quote \\\" and \\\\ back\\nslash\"",
        ]
        for query in queries {
            let expression = try QueryParser.parse(query)
            #expect(try QueryParser.parse(expression.text) == expression, "\(query) → \(expression.text)")
        }
        #expect(try QueryParser.parse("a || b && c") == .or(.exists(FieldName("a")), .and(.exists(FieldName("b")), .exists(FieldName("c")))))
        #expect(try QueryParser.parse("!a && b") == .and(.not(.exists(FieldName("a"))), .exists(FieldName("b"))))
        #expect(try QueryParser.parse("x !exists") == .not(.exists(FieldName("x"))))
        #expect(try QueryParser.parse("port in {1..3}") == .member(FieldName("port"), [.range(1, 3, position: 0)]))
    }

    /// Errors say where (a character offset) and what.
    @Test func errorsHaveAPositionAndAMessage() {
        let cases: [(String, Int, String)] = [
            ("", 0, "empty"),
            ("port = 80", 5, "lone `=`"),
            ("tcp & udp", 4, "lone `&`"),
            ("tcp | udp", 4, "lone `|`"),
            ("sensor == \"open", 10, "not closed"),
            ("sensor == \"a\\qb\"", 12, "unknown escape"),
            ("(tcp || udp", 11, "expected `)`"),
            ("tcp udp", 4, "expected an operator after `tcp`"),
            ("port ==", 7, "expected a value"),
            ("port in 80", 8, "expected `{`"),
            ("port in {80 443}", 12, "expected `,` or `}`"),
            ("port in {9..1}", 9, "not a range"),
            ("port like 80", 5, "expected an operator"),
            ("&& tcp", 0, "expected a field"),
            ("port == 80 )", 11, "unexpected `)`"),
            ("port == ;", 8, "unexpected character"),
        ]
        for (query, position, message) in cases {
            do {
                _ = try QueryParser.parse(query)
                Issue.record("`\(query)` parsed")
            } catch {
                #expect(error.position == position && error.message.contains(message), "`\(query)`: \(error)")
            }
        }
    }

    @Test func limitsBoundLengthDepthAndSets() {
        var limits = QueryLimits()
        limits.length = 50
        #expect(throws: QueryError.self) { try QueryParser.parse(String(repeating: "tcp || ", count: 10) + "udp", limits: limits) }
        #expect(throws: QueryError.self) { try QueryParser.parse(String(repeating: "(", count: 40) + "tcp" + String(repeating: ")", count: 40)) }
        #expect(throws: QueryError.self) { try QueryParser.parse(String(repeating: "!", count: 100) + "tcp") }
        let many = "port in {" + (0 ..< 1_001).map(String.init).joined(separator: ",") + "}"
        #expect(throws: QueryError.self) { try QueryParser.parse(many) }
        // A long flat chain is fine: depth counts nesting, not length.
        #expect((try? QueryParser.parse(Array(repeating: "tcp", count: 200).joined(separator: " || "))) != nil)
    }

    /// Random expressions print and parse back to themselves.
    @Test func randomExpressionsRoundTrip() {
        let fields = ["tcp", "ip.addr", "port", "sensor", "packet.size", "x.y_z"]
        let words = ["10.0.0.1", "10.0.0.0/8", "2001:db8::1", "443", "*.example.com", "probe-1", "a:b"]
        let strings = ["", "with space", "quote\"d", "back\\slash", "new\nline", "ünïcödé", "&& || !"]
        func expression(_ seed: [Int], _ index: inout Int, depth: Int) -> Expression {
            func next(_ n: Int) -> Int {
                defer { index += 1 }
                return seed[index % seed.count] % n
            }
            let field = FieldName(fields[next(fields.count)])
            switch depth > 3 ? next(4) + 3 : next(7) {
            case 0: return .and(expression(seed, &index, depth: depth + 1), expression(seed, &index, depth: depth + 1))
            case 1: return .or(expression(seed, &index, depth: depth + 1), expression(seed, &index, depth: depth + 1))
            case 2: return .not(expression(seed, &index, depth: depth + 1))
            case 3: return .exists(field)
            case 4:
                let comparison = Comparison.allCases[next(Comparison.allCases.count)]
                return .compare(field, comparison, Operand(words[next(words.count)]))
            case 5:
                let comparison = Comparison.allCases[next(Comparison.allCases.count)]
                return .compare(field, comparison, Operand(strings[next(strings.count)], quoted: true))
            default:
                return .member(field, [.value(Operand(words[next(words.count)])), .range(Int64(next(100)), Int64(100 + next(100)), position: 0),
                                       .value(Operand(strings[next(strings.count)], quoted: true))])
            }
        }
        seededCheck(seed: (21, 22, 23, 24), count: 3_000, Gen.int(in: 0 ... 10_000).array(of: 8 ... 40)) { seed in
            var index = 0
            let original = expression(seed, &index, depth: 0)
            guard let back = try? QueryParser.parse(original.text) else { return "`\(original.text)` does not parse" }
            return back == original ? nil : "`\(original.text)` parses to `\(back.text)`"
        }
    }

    /// Random text is either an error that points into the text and says
    /// what is wrong, or a query whose canonical text parses back to it.
    /// The text is random tokens, so that many of them parse, and random
    /// characters, so that most do not.
    @Test func randomTextIsAnErrorOrAQuery() {
        let tokens = ["tcp", "port", "ip.addr", "dns.query", "==", "!=", "<", ">", "(", ")", "{", "}", ",", "..",
                      "&&", "||", "!", "\"", "\\", "*", "/", ":", "0", "1", "9", "10.0.0.1", "\"a b\"", "a", "z", "in",
                      "exists", "contains", " "]
        var outcomes = (errors: 0, queries: 0)
        seededCheck(seed: (31, 32, 33, 34), count: 20_000, Gen.int(in: 0 ..< tokens.count).array(of: 0 ... 30)) { picks in
            let separator = picks.count % 3 == 0 ? "" : " "
            let text = picks.map { tokens[$0] }.joined(separator: separator)
            do throws(QueryError) {
                let query = try QueryParser.parse(text)
                outcomes.queries += 1
                guard let back = try? QueryParser.parse(query.text), back == query else {
                    return "`\(text)` parses, but its text `\(query.text)` does not parse back to it"
                }
            } catch {
                outcomes.errors += 1
                guard (0 ... text.count).contains(error.position) else {
                    return "`\(text)`: error at \(error.position), outside the text"
                }
                guard !error.message.isEmpty else { return "`\(text)`: an error without a message" }
            }
            return nil
        }
        #expect(outcomes.errors > 1_000 && outcomes.queries > 200, "the tokens give both outcomes: \(outcomes)")
    }
}
