extension Expression {
    /// A condition on flows that the flow of every packet this expression
    /// matches meets, or nil when the expression implies none.
    ///
    /// Only address tests carry over: a packet's addresses are its flow's,
    /// one way round or the other, and every IP packet has a flow (a
    /// fragment whose datagram never completes joins a port-less flow of
    /// the same addresses). So `ip.src == X` on a packet implies
    /// `ip.addr == X` on its flow. Ports do not carry over: such a
    /// fragment's packet has ports and its flow none. A negation implies
    /// nothing (`!(ip.addr == X)` holds for packets without addresses).
    public var flowScope: Expression? {
        switch self {
        case .and(let a, let b):
            switch (a.flowScope, b.flowScope) {
            case (let x?, let y?): .and(x, y)
            case (let x?, nil): x
            case (nil, let y?): y
            case (nil, nil): nil
            }
        case .or(let a, let b):
            a.flowScope.flatMap { x in b.flowScope.map { .or(x, $0) } }
        case .compare(let field, .equal, let operand) where Self.isPacketAddress(field):
            .compare(FieldName("ip.addr", at: field.position), .equal, operand)
        case .member(let field, let items) where Self.isPacketAddress(field):
            .member(FieldName("ip.addr", at: field.position), items)
        case .compare, .member, .not, .exists:
            nil
        }
    }

    private static func isPacketAddress(_ field: FieldName) -> Bool {
        guard let spec = Fields.spec(field.name), spec.kind == .address, spec.event == nil else { return false }
        return switch spec.packet {
        case .source, .destination, .anyAddress: true
        default: false
        }
    }
}
