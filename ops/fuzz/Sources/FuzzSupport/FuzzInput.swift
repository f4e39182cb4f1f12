import Dissection
import FuzzDriver
import Protocols

/// The record formats the fuzz targets read (`seeds.py` writes them from
/// captures; libFuzzer mutates them). Every read is bounded: a record cut
/// by the end of the input takes what is left, a missing header ends it.
public struct FuzzInput {
    private var cursor: ByteCursor

    public init(_ bytes: UnsafeRawBufferPointer) { cursor = ByteCursor(bytes) }

    /// Stream bytes: `[flags u8][length u16][bytes]`; flags bit 0 is the
    /// server's direction, bit 1 a gap of `length` bytes (no bytes follow).
    public enum Chunk {
        case data(UnsafeRawBufferPointer, Direction)
        case gap(Int, Direction)
    }

    public mutating func nextChunk() -> Chunk? {
        guard let flags = cursor.readUInt8(), let length = cursor.readUInt16() else { return nil }
        let direction: Direction = flags & 1 == 0 ? .toServer : .toClient
        if flags & 2 != 0 { return .gap(Int(length), direction) }
        return .data(take(Int(length)), direction)
    }

    /// TCP segments: `[flags u8][sequence u32][length u16][payload]`; flags
    /// bit 0 is the server's direction, bits 1–3 SYN, FIN, RST.
    public mutating func nextSegment(time: Int64, frame: UInt64) -> TCPSegment? {
        guard let flags = cursor.readUInt8(), let sequence = cursor.readUInt32(), let length = cursor.readUInt16() else {
            return nil
        }
        var tcp: TCPSegment.Flags = []
        if flags & 2 != 0 { tcp.insert(.syn) }
        if flags & 4 != 0 { tcp.insert(.fin) }
        if flags & 8 != 0 { tcp.insert(.rst) }
        return TCPSegment(direction: flags & 1 == 0 ? .toServer : .toClient, sequence: sequence, flags: tcp,
                          payload: take(Int(length)), time: time, frame: frame)
    }

    /// Frames: `[time step u8, ×100 ms][length u16][frame]`.
    public mutating func nextFrame() -> (step: Int64, bytes: UnsafeRawBufferPointer)? {
        guard let step = cursor.readUInt8(), let length = cursor.readUInt16() else { return nil }
        return (Int64(step) * 100_000_000, take(Int(length)))
    }

    public mutating func byte() -> UInt8? { cursor.readUInt8() }

    public mutating func rest() -> UnsafeRawBufferPointer { take(cursor.remaining) }

    private mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        cursor.readSlice(min(count, cursor.remaining)) ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }
}

/// Walks every field of a transaction, so the code that builds them runs
/// under the fuzzer too; the size keeps the work from being optimised away.
public func render(_ fields: [ProtocolField]) -> Int {
    fields.reduce(0) { $0 + $1.name.utf8.count + size($1.value) }
}

private func size(_ value: ProtocolField.Value) -> Int {
    switch value {
    case .string(let text): text.utf8.count
    case .integer, .bool, .time, .null: 1
    case .list(let values): values.reduce(0) { $0 + size($1) }
    case .object(let fields): render(fields)
    }
}

/// A fuzz target's entry point: libFuzzer's driver over `test`.
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                     _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    netsift_fuzz_main(argc, argv, test)
}

/// The input libFuzzer passes (nil when empty) as a buffer.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
}
