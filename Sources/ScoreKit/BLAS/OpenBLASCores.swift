/// OpenBLAS's x86-64 kernel sets ("cores"), by the names `openblas_get_corename` returns and
/// `OPENBLAS_CORETYPE` takes (any case), and which of them a CPU should run.
public enum OpenBLASCores {
    /// The kernel family of each core name a DYNAMIC_ARCH build of OpenBLAS may report; a name not
    /// listed (a newer core, or another architecture's) is trusted as OpenBLAS chose it.
    static let tiers: [String: KernelTier] = {
        var table: [String: KernelTier] = [:]
        for name in ["unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
                     "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat"] {
            table[name] = .sse
        }
        for name in ["sandybridge", "bulldozer", "piledriver", "steamroller", "excavator"] { table[name] = .avx }
        for name in ["haswell", "zen"] { table[name] = .avx2 }
        for name in ["skylakex", "cooperlake", "sapphirerapids"] { table[name] = .avx512 }
        return table
    }()

    /// The kernel family of `core`, or nil for a name this table does not know.
    public static func tier(of core: String) -> KernelTier? { tiers[core.lowercased()] }

    /// The cores worth asking for on `cpu`, best first: each runs on it, and each later one needs
    /// less of it, in case the better ones are missing from the installed OpenBLAS or fail.
    public static func candidates(for cpu: CPUFeatures) -> [String] {
        var cores: [String] = []
        if cpu.contains(.avx512BF16) { cores.append("Cooperlake") }
        if cpu.contains(.avx512) { cores.append("SkylakeX") }
        if cpu.contains(.avx2FMA) { cores.append("Haswell") }
        if cpu.contains(.avx) && !cpu.contains(.avx2FMA) { cores.append("Sandybridge") }
        return cores
    }
}
