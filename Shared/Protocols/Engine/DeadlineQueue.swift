/// Deadlines in packet time, earliest first: a binary min-heap of
/// (deadline, slot). Nothing is removed early: the owner checks what pops
/// against the slot's current state and skips what no longer applies (the
/// deadline moved, the slot was released), so re-arming is one push and
/// expiry costs O(due · log n), not one visit per slot.
struct DeadlineQueue {
    struct Entry: Equatable {
        var deadline: Int64
        var slot: Int32
    }

    private var heap: [Entry] = []

    var count: Int { heap.count }

    mutating func insert(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.earlier(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest entry, removed, if its deadline is at or before `now`.
    mutating func popDue(by now: Int64) -> Entry? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var least = parent
            if left < heap.count, Self.earlier(heap[left], heap[least]) { least = left }
            if right < heap.count, Self.earlier(heap[right], heap[least]) { least = right }
            guard least != parent else { break }
            heap.swapAt(parent, least)
            parent = least
        }
        return first
    }

    /// Deadline order; equal deadlines in slot order, so what pops at once comes out the same way every run.
    private static func earlier(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.slot < b.slot
    }
}
