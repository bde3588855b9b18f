/// The instruction sets the elementwise kernels are compiled for (one clone each); the widest the
/// CPU runs is used unless the environment variable SCOREKIT_ISA names another.
public enum InstructionSet: String, CaseIterable, Sendable {
    /// The target's baseline: SSE2 on x86-64 (4 floats per vector), NEON on arm64.
    case baseline
    /// AVX2 with fused multiply-add (8 floats per vector).
    case avx2
    /// AVX-512 F, VL, DQ and BW with fused multiply-add (16 floats per vector).
    case avx512

    /// The clone the kernels run on the calling thread.
    public static var active: InstructionSet { Kernels.instructionSet }

    /// What SCOREKIT_ISA asked for when this CPU cannot run it (the widest clone runs instead).
    public static var ignoredRequest: String? { Kernels.ignoredRequest }

    /// One line for a tool's header: the clone in use, the ones this CPU runs, and a request
    /// for one it cannot run.
    public static var summary: String {
        "kernels: \(active.rawValue) clone (this CPU runs \(supported.map(\.rawValue).joined(separator: ", ")))"
            + (ignoredRequest.map { "; SCOREKIT_ISA=\($0) is not one of them, so the widest runs" } ?? "")
    }

    /// The clones this build and CPU can run, narrowest first.
    public static var supported: [InstructionSet] { allCases.filter(Kernels.supports) }
}
