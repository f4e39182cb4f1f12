/// A lexical token with its offset in the query text.
struct Token: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        /// A field name or a bare value: letters, digits and `. : / * _ - + @`.
        case word(String)
        /// A double-quoted string, escapes resolved.
        case string(String)
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
        case and, or, not
        case leftParenthesis, rightParenthesis, leftBrace, rightBrace, comma
        case end
    }

    var kind: Kind
    var position: Int
}

/// Splits query text into tokens. Words keep dots, colons, slashes and
/// stars, so `ip.src`, `10.0.0.0/8`, `2001:db8::1`, `*.example.com` and
/// `8000..8100` are one word each; the parser gives them meaning.
struct Lexer {
    static func tokens(_ text: String, limits: QueryLimits) throws(QueryError) -> [Token] {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count <= limits.length else {
            throw QueryError(at: limits.length, "the query is \(scalars.count) characters long; at most \(limits.length)")
        }
        var tokens: [Token] = []
        var i = 0
        func at(_ offset: Int) -> Unicode.Scalar? { i + offset < scalars.count ? scalars[i + offset] : nil }
        while i < scalars.count {
            let c = scalars[i]
            let start = i
            switch c {
            case " ", "\t", "\n", "\r":
                i += 1
                continue
            case "(": tokens.append(Token(kind: .leftParenthesis, position: start)); i += 1
            case ")": tokens.append(Token(kind: .rightParenthesis, position: start)); i += 1
            case "{": tokens.append(Token(kind: .leftBrace, position: start)); i += 1
            case "}": tokens.append(Token(kind: .rightBrace, position: start)); i += 1
            case ",": tokens.append(Token(kind: .comma, position: start)); i += 1
            case "=":
                guard at(1) == "=" else { throw QueryError(at: start, "a lone `=`", hint: "compare with `==`") }
                tokens.append(Token(kind: .equal, position: start)); i += 2
            case "!":
                if at(1) == "=" {
                    tokens.append(Token(kind: .notEqual, position: start)); i += 2
                } else {
                    tokens.append(Token(kind: .not, position: start)); i += 1
                }
            case "<":
                if at(1) == "=" { tokens.append(Token(kind: .lessOrEqual, position: start)); i += 2 } else {
                    tokens.append(Token(kind: .less, position: start)); i += 1
                }
            case ">":
                if at(1) == "=" { tokens.append(Token(kind: .greaterOrEqual, position: start)); i += 2 } else {
                    tokens.append(Token(kind: .greater, position: start)); i += 1
                }
            case "&":
                guard at(1) == "&" else { throw QueryError(at: start, "a lone `&`", hint: "`&&` or `and`") }
                tokens.append(Token(kind: .and, position: start)); i += 2
            case "|":
                guard at(1) == "|" else { throw QueryError(at: start, "a lone `|`", hint: "`||` or `or`") }
                tokens.append(Token(kind: .or, position: start)); i += 2
            case "\"":
                i += 1
                var value = String.UnicodeScalarView()
                var closed = false
                while i < scalars.count {
                    let s = scalars[i]
                    if s == "\"" { closed = true; i += 1; break }
                    if s == "\\" {
                        guard let next = at(1) else { break }
                        switch next {
                        case "\"", "\\": value.append(next)
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        default: throw QueryError(at: i, "unknown escape `\\\(next)`", hint: "use \\\" \\\\ \\n or \\t")
                        }
                        i += 2
                        continue
                    }
                    guard s.value >= 0x20 else { throw QueryError(at: i, "a control character inside a string") }
                    value.append(s)
                    i += 1
                }
                guard closed else { throw QueryError(at: start, "a string is not closed", hint: "end it with \"") }
                tokens.append(Token(kind: .string(String(value)), position: start))
            default:
                guard Self.isWordCharacter(c) else {
                    throw QueryError(at: start, "unexpected character `\(c)`",
                                     hint: "quote values that contain it: \"…\"")
                }
                var word = String.UnicodeScalarView()
                while i < scalars.count, Self.isWordCharacter(scalars[i]) {
                    word.append(scalars[i])
                    i += 1
                }
                let text = String(word)
                switch text.lowercased() {
                case "and": tokens.append(Token(kind: .and, position: start))
                case "or": tokens.append(Token(kind: .or, position: start))
                case "not": tokens.append(Token(kind: .not, position: start))
                default: tokens.append(Token(kind: .word(text), position: start))
                }
            }
        }
        tokens.append(Token(kind: .end, position: scalars.count))
        return tokens
    }

    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a" ... "z", "A" ... "Z", "0" ... "9", ".", ":", "/", "*", "_", "-", "+", "@", "?", "%", "[", "]": true
        default: false
        }
    }
}
