/// A flow id as NetSift prints it: 16 lowercase hex digits.
public enum FlowIDText {
    public static func hex(_ id: UInt64) -> String {
        let s = String(id, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
