#if canImport(Glibc)
import Glibc
#endif

/// Makes glibc give large buffers back to the system when they are freed.
/// A download's reads (up to 1 MiB) come and go; by default glibc raises its
/// mmap threshold after the first such free and then serves them from heaps
/// it never shrinks, so RSS stays at its peak long after downloads end.
enum MemoryReturn {
    /// Allocations from this size up are mapped on their own and unmapped when freed.
    static let mmapThresholdBytes: Int32 = 128 << 10
    /// `M_MMAP_THRESHOLD` of glibc's `<malloc.h>`, which the Glibc module does not import.
    static let mmapThresholdParameter: Int32 = -3

    static func configure() {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        // RTLD_DEFAULT: the symbol as the process already links it.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: MallOpt.self)(mmapThresholdParameter, mmapThresholdBytes)
        #endif
    }
}
