/// A parsed query. Positions (offsets into the query text) are kept for
/// error messages but are not part of a value's identity, so a printed and
/// re-parsed query equals the original.
public indirect enum Expression: Hashable, Sendable {
    case and(Expression, Expression)
    case or(Expression, Expression)
    case not(Expression)
    /// A bare name (`tcp`, `dns`) or `field exists`: the field or protocol is present.
    case exists(FieldName)
    case compare(FieldName, Comparison, Operand)
    /// `field in {a, b, 8000..8100}`.
    case member(FieldName, [SetItem])
}

public struct FieldName: Hashable, Sendable {
    public var name: String
    public var position: Int

    public init(_ name: String, at position: Int = 0) {
        self.name = name
        self.position = position
    }

    public static func == (a: FieldName, b: FieldName) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

public enum Comparison: String, Hashable, Sendable, CaseIterable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains, matches, startsWith = "startswith", endsWith = "endswith"

    var isOrdering: Bool { [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
    var isText: Bool { [.contains, .matches, .startsWith, .endsWith].contains(self) }
}

/// A value as written: a bare word (a number, address, CIDR, wildcard or
/// name) or a quoted string. The type checker reads it as the field's type.
public struct Operand: Hashable, Sendable {
    public var text: String
    public var quoted: Bool
    public var position: Int

    public init(_ text: String, quoted: Bool = false, at position: Int = 0) {
        self.text = text
        self.quoted = quoted
        self.position = position
    }

    public static func == (a: Operand, b: Operand) -> Bool { a.text == b.text && a.quoted == b.quoted }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
        hasher.combine(quoted)
    }
}

public enum SetItem: Hashable, Sendable {
    case value(Operand)
    /// `low..high`, inclusive, numbers only.
    case range(Int64, Int64, position: Int)

    public static func == (a: SetItem, b: SetItem) -> Bool {
        switch (a, b) {
        case (.value(let x), .value(let y)): x == y
        case (.range(let l1, let h1, _), .range(let l2, let h2, _)): l1 == l2 && h1 == h2
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .value(let operand): hasher.combine(operand)
        case .range(let low, let high, _):
            hasher.combine(low)
            hasher.combine(high)
        }
    }
}
