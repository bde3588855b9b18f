import CLaunch

/// The features of the CPU that decide which of OpenBLAS's kernels it can run, read with CPUID
/// (each counts only when the operating system also saves its registers).
public struct CPUFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let avx = CPUFeatures(rawValue: UInt32(SK_CPU_AVX))
    /// AVX2 with fused multiply-add.
    public static let avx2FMA = CPUFeatures(rawValue: UInt32(SK_CPU_AVX2_FMA))
    /// AVX-512 F, CD, VL, BW and DQ: what OpenBLAS's SkylakeX kernels use.
    public static let avx512 = CPUFeatures(rawValue: UInt32(SK_CPU_AVX512))
    /// AVX-512 with BF16: what its Cooperlake kernels add.
    public static let avx512BF16 = CPUFeatures(rawValue: UInt32(SK_CPU_AVX512_BF16))

    /// This machine's CPU (empty off x86-64).
    public static let current = CPUFeatures(rawValue: UInt32(sk_cpu_features()))

    /// The widest kernel family the CPU runs.
    public var tier: KernelTier {
        contains(.avx512) ? .avx512 : contains(.avx2FMA) ? .avx2 : contains(.avx) ? .avx : .sse
    }

    /// "AVX-512 BF16", "AVX-512", "AVX2", "AVX" or "SSE": for the kernel line.
    public var name: String { contains(.avx512BF16) ? "AVX-512 BF16" : tier.name }
}

/// A family of x86-64 kernels, by the widest vectors their single-precision GEMM uses: the
/// scale on which a core OpenBLAS chose is compared with what the CPU could run.
public enum KernelTier: Int, Comparable, Sendable {
    case sse, avx, avx2, avx512

    public static func < (a: KernelTier, b: KernelTier) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .sse: "SSE"
        case .avx: "AVX"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }
}
