import Foundation

/// The last bytes a direction delivered, to compare retransmissions with:
/// at least `limit` of them once that many came, at most `2 × limit`, kept
/// in a ring (sized for its first bytes, then for `2 × limit`) so that remembering a
/// segment copies it once and never moves what is already held.
struct RecentBytes {
    let limit: Int
    private var ring: [UInt8] = []
    /// Where the next byte goes.
    private var head = 0
    /// Bytes held, ending just before `head`.
    private(set) var count = 0

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    private var capacity: Int { 2 * limit }

    /// Appends delivered bytes. Past `2 × limit` only the last `limit` are kept;
    /// a run of `limit` or more replaces everything with its last `limit`.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard limit > 0, !bytes.isEmpty else { return }
        if bytes.count >= limit {
            write(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - limit)...]))
            count = limit
            return
        }
        write(bytes)
        count += bytes.count
        if count > capacity { count = limit }
    }

    mutating func removeAll() {
        count = 0
    }

    /// Forgets everything and gives the storage back.
    mutating func release() {
        ring = []
        head = 0
        count = 0
    }

    /// Whether `bytes` equal the held ones from `offset` on (0 is the oldest held byte).
    func matches(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard !bytes.isEmpty else { return true }
        guard offset >= 0, offset + bytes.count <= count else { return false }
        return ring.withUnsafeBytes { ring in
            guard let held = ring.baseAddress, let new = bytes.baseAddress else { return false }
            var start = (head - count + offset) % capacity
            if start < 0 { start += capacity }
            let first = min(bytes.count, capacity - start)
            return Self.equal(held + start, new, first) && Self.equal(held, new + first, bytes.count - first)
        }
    }

    private static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        count == 0 || memcmp(a, b, count) == 0
    }

    /// Appends while the ring is still growing toward its capacity, then overwrites the oldest bytes.
    private mutating func write(_ bytes: UnsafeRawBufferPointer) {
        let capacity = capacity
        var rest = bytes
        if ring.count < capacity {
            let taken = min(rest.count, capacity - ring.count)
            // A direction that goes on past its first bytes gets the whole ring at once.
            if !ring.isEmpty, ring.capacity < ring.count + taken { ring.reserveCapacity(capacity) }
            ring.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<taken]))
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            head = ring.count % capacity
        }
        guard !rest.isEmpty else { return }
        let head = head
        ring.withUnsafeMutableBytes { ring in
            let first = min(rest.count, capacity - head)
            UnsafeMutableRawBufferPointer(rebasing: ring[head ..< head + first])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[..<first]))
            if first < rest.count {
                UnsafeMutableRawBufferPointer(rebasing: ring[..<(rest.count - first)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[first...]))
            }
        }
        self.head = (head + rest.count) % capacity
    }
}
