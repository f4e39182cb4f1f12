import PropertyBased
import Testing

/// Runs `body` on `count` values drawn from `generator` with a fixed seed,
/// so CI sees the same cases every run. (PropertyBased's `.fixedSeed` trait
/// always records an issue, so it is only for reproducing a failure.)
/// `body` returns a problem description or nil; the first few are recorded
/// with the case index to replay.
public func seededCheck<T>(seed: (UInt64, UInt64, UInt64, UInt64), count: Int, _ generator: Generator<T, some Sequence>,
                    sourceLocation: SourceLocation = #_sourceLocation, _ body: (T) -> String?) {
    var rng = Xoshiro(seed: seed)
    var failures = 0
    for index in 0..<count {
        let value = generator.run(using: &rng)
        if let problem = body(value) {
            failures += 1
            if failures <= 3 { Issue.record("case \(index): \(problem); input \(value)", sourceLocation: sourceLocation) }
        }
    }
    #expect(failures == 0, "\(failures) of \(count) cases failed", sourceLocation: sourceLocation)
}

public enum Mutation: CustomStringConvertible {
    case flip(position: Int, bit: Int)
    case truncate(length: Int)
    case overwrite16(position: Int, value: UInt16)
    case overwrite8(position: Int, value: UInt8)

    public func apply(to frame: inout [UInt8]) {
        guard !frame.isEmpty else { return }
        switch self {
        case .flip(let position, let bit):
            frame[position % frame.count] ^= UInt8(1 << (bit & 7))
        case .truncate(let length):
            frame = Array(frame.prefix(length % (frame.count + 1)))
        case .overwrite16(let position, let value):
            let i = position % frame.count
            frame[i] = UInt8(value >> 8)
            if i + 1 < frame.count { frame[i + 1] = UInt8(value & 0xff) }
        case .overwrite8(let position, let value):
            frame[position % frame.count] = value
        }
    }

    public var description: String {
        switch self {
        case .flip(let p, let b): "flip(\(p),\(b))"
        case .truncate(let l): "truncate(\(l))"
        case .overwrite16(let p, let v): "set16(\(p),0x\(String(v, radix: 16)))"
        case .overwrite8(let p, let v): "set8(\(p),\(v))"
        }
    }
}

