/// Query text → `Expression`, by recursive descent with a depth bound:
///
///     expression := and ( ("||" | "or") and )*
///     and        := unary ( ("&&" | "and") unary )*
///     unary      := ("!" | "not") unary | "(" expression ")" | predicate
///     predicate  := field [ comparison operand | "in" "{" item ("," item)* "}"
///                         | "exists" | "!exists" | ("!"|"not") "exists" ]
///     comparison := == != < <= > >= contains matches startswith endswith
///     item       := operand | integer ".." integer
public struct QueryParser {
    public static func parse(_ text: String, limits: QueryLimits = QueryLimits()) throws(QueryError) -> Expression {
        var parser = QueryParser(tokens: try Lexer.tokens(text, limits: limits), limits: limits)
        guard parser.tokens.count > 1 else { throw QueryError(at: 0, "the query is empty", hint: "e.g. tcp && port == 443") }
        let expression = try parser.expression(depth: 0)
        guard case .end = parser.current.kind else {
            throw QueryError(at: parser.current.position, "unexpected \(parser.describe(parser.current))",
                             hint: "join conditions with && or ||")
        }
        return expression
    }

    let tokens: [Token]
    let limits: QueryLimits
    var index = 0

    var current: Token { tokens[min(index, tokens.count - 1)] }

    mutating func advance() { index += 1 }

    mutating func expression(depth: Int) throws(QueryError) -> Expression {
        guard depth < limits.depth else {
            throw QueryError(at: current.position, "the query nests deeper than \(limits.depth) levels")
        }
        var left = try conjunction(depth: depth + 1)
        while case .or = current.kind {
            advance()
            left = .or(left, try conjunction(depth: depth + 1))
        }
        return left
    }

    mutating func conjunction(depth: Int) throws(QueryError) -> Expression {
        var left = try unary(depth: depth + 1)
        while case .and = current.kind {
            advance()
            left = .and(left, try unary(depth: depth + 1))
        }
        return left
    }

    mutating func unary(depth: Int) throws(QueryError) -> Expression {
        guard depth < limits.depth else {
            throw QueryError(at: current.position, "the query nests deeper than \(limits.depth) levels")
        }
        switch current.kind {
        case .not:
            advance()
            return .not(try unary(depth: depth + 1))
        case .leftParenthesis:
            let open = current.position
            advance()
            let inner = try expression(depth: depth + 1)
            guard case .rightParenthesis = current.kind else {
                throw QueryError(at: current.position, "expected `)` to close the `(` at \(open)")
            }
            advance()
            return inner
        case .word(let name):
            let field = FieldName(name, at: current.position)
            advance()
            return try predicate(field)
        default:
            throw QueryError(at: current.position, "expected a field or protocol name, found \(describe(current))")
        }
    }

    mutating func predicate(_ field: FieldName) throws(QueryError) -> Expression {
        let comparison: Comparison
        switch current.kind {
        case .equal: comparison = .equal
        case .notEqual: comparison = .notEqual
        case .less: comparison = .less
        case .lessOrEqual: comparison = .lessOrEqual
        case .greater: comparison = .greater
        case .greaterOrEqual: comparison = .greaterOrEqual
        case .not:
            guard case .word(let word) = tokens[min(index + 1, tokens.count - 1)].kind, word.lowercased() == "exists" else {
                return .exists(field)
            }
            index += 2
            return .not(.exists(field))
        case .word(let word):
            switch word.lowercased() {
            case "contains": comparison = .contains
            case "matches": comparison = .matches
            case "startswith": comparison = .startsWith
            case "endswith": comparison = .endsWith
            case "exists":
                advance()
                return .exists(field)
            case "!exists":
                advance()
                return .not(.exists(field))
            case "in":
                advance()
                return .member(field, try set())
            default:
                throw QueryError(at: current.position, "expected an operator after `\(field.name)`, found `\(word)`",
                                 hint: "== != < <= > >= contains matches startswith endswith in exists")
            }
        default:
            return .exists(field)
        }
        advance()
        return .compare(field, comparison, try operand())
    }

    mutating func operand() throws(QueryError) -> Operand {
        switch current.kind {
        case .word(let text):
            defer { advance() }
            return Operand(text, at: current.position)
        case .string(let text):
            defer { advance() }
            return Operand(text, quoted: true, at: current.position)
        default:
            throw QueryError(at: current.position, "expected a value, found \(describe(current))")
        }
    }

    mutating func set() throws(QueryError) -> [SetItem] {
        guard case .leftBrace = current.kind else {
            throw QueryError(at: current.position, "expected `{` after `in`", hint: "in {80, 443, 8000..8100}")
        }
        advance()
        var items: [SetItem] = []
        while true {
            if case .word(let text) = current.kind, let range = text.range(of: "..") {
                let low = Int64(text[..<range.lowerBound]), high = Int64(text[range.upperBound...])
                guard let low, let high, low <= high else {
                    throw QueryError(at: current.position, "`\(text)` is not a range of integers low..high")
                }
                items.append(.range(low, high, position: current.position))
                advance()
            } else {
                items.append(.value(try operand()))
            }
            guard items.count <= limits.setItems else {
                throw QueryError(at: current.position, "a set has more than \(limits.setItems) items")
            }
            switch current.kind {
            case .comma: advance()
            case .rightBrace:
                advance()
                return items
            default:
                throw QueryError(at: current.position, "expected `,` or `}` in the set, found \(describe(current))")
            }
        }
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .word(let w): "`\(w)`"
        case .string(let s): "the string \"\(s)\""
        case .end: "the end of the query"
        case .equal: "`==`"
        case .notEqual: "`!=`"
        case .less: "`<`"
        case .lessOrEqual: "`<=`"
        case .greater: "`>`"
        case .greaterOrEqual: "`>=`"
        case .and: "`&&`"
        case .or: "`||`"
        case .not: "`!`"
        case .leftParenthesis: "`(`"
        case .rightParenthesis: "`)`"
        case .leftBrace: "`{`"
        case .rightBrace: "`}`"
        case .comma: "`,`"
        }
    }
}

extension Expression {
    /// The canonical text: fully parenthesised where precedence needs it,
    /// strings quoted and escaped. Parsing it gives this expression back.
    public var text: String {
        switch self {
        case .and(let a, let b): "\(a.operandText(of: .and)) && \(b.operandText(of: .and))"
        case .or(let a, let b): "\(a.operandText(of: .or)) || \(b.operandText(of: .or))"
        case .not(let inner): "!\(inner.operandText(of: .not))"
        case .exists(let field): field.name
        case .compare(let field, let comparison, let operand): "\(field.name) \(comparison.rawValue) \(operand.text_)"
        case .member(let field, let items):
            "\(field.name) in {" + items.map { item in
                switch item {
                case .value(let operand): operand.text_
                case .range(let low, let high, _): "\(low)..\(high)"
                }
            }.joined(separator: ", ") + "}"
        }
    }

    private enum Context { case and, or, not }

    private func operandText(of context: Context) -> String {
        switch (self, context) {
        case (.or, .and), (.or, .not), (.and, .not), (.and, .or): "(\(text))"
        case (.and, .and):
            // Left-associative: a right operand that is itself an `and` needs parentheses.
            "(\(text))"
        case (.or, .or): "(\(text))"
        default: text
        }
    }
}

extension Operand {
    /// How the operand is written back: bare words stay bare, strings are quoted.
    var text_: String {
        guard quoted else { return text }
        var out = "\""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
