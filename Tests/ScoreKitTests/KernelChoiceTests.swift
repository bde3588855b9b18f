import Foundation
import Testing
import ScoreKit

/// The choice of OpenBLAS kernels at launch, as a pure function of the CPU, the detected core and
/// the user's OPENBLAS_CORETYPE, and what the tools' kernel line says in each case.
@Suite struct KernelChoiceTests {
    static let bf16: CPUFeatures = [.avx, .avx2FMA, .avx512, .avx512BF16]
    static let avx512: CPUFeatures = [.avx, .avx2FMA, .avx512]
    static let avx2: CPUFeatures = [.avx, .avx2FMA]

    /// (CPU, detected, OPENBLAS_CORETYPE) -> the cores tried in order; empty: OpenBLAS's own kept.
    @Test(arguments: [
        // OpenBLAS too old for the CPU: its SSE3 fallback, replaced by the best it has.
        (bf16, "Prescott", nil, ["Cooperlake", "SkylakeX", "Haswell"]),
        (avx512, "Prescott", nil, ["SkylakeX", "Haswell"]),
        (avx2, "Prescott", nil, ["Haswell"]),
        (CPUFeatures.avx, "Nehalem", nil, ["Sandybridge"]),
        (bf16, "Haswell", nil, ["Cooperlake", "SkylakeX"]),
        (avx512, "Sandybridge", nil, ["SkylakeX", "Haswell"]),
        // Detection as wide as the CPU: kept (names in any case).
        (bf16, "Cooperlake", nil, []),
        (bf16, "SkylakeX", nil, []),
        (avx512, "SKYLAKEX", nil, []),
        (avx2, "Haswell", nil, []),
        (avx2, "Zen", nil, []),
        (CPUFeatures.avx, "Sandybridge", nil, []),
        // A value the user set is never replaced, however slow.
        (bf16, "Prescott", "Prescott", []),
        (bf16, "Cooperlake", "Haswell", []),
        // A core this table does not know (newer, or another architecture's) is trusted.
        (bf16, "Sapphirerapids2", nil, []),
        (CPUFeatures(), "ARMV8", nil, []),
        // No vector extensions: nothing better to ask for.
        (CPUFeatures(), "Prescott", nil, []),
    ] as [(CPUFeatures, String, String?, [String])])
    func plan(cpu: CPUFeatures, detected: String, userSet: String?, tried: [String]) {
        var choice = KernelChoice.plan(cpu: cpu, detected: detected, userSet: userSet)
        #expect((choice == nil) == tried.isEmpty)
        var order: [String] = []
        while let core = choice?.trying {
            order.append(core)
            choice?.dropTrying(because: "failed")
        }
        #expect(order == tried)
        #expect(choice?.dropped.map(\.core) ?? [] == tried)
    }

    /// A core missing from OpenBLAS, then one failing the check: the record names both, in order,
    /// survives the trip through the environment, and ends on OpenBLAS's own choice.
    @Test func droppedCoresAreRecordedInOrder() throws {
        var choice = try #require(KernelChoice.plan(cpu: Self.bf16, detected: "Prescott", userSet: nil))
        choice.dropTrying(because: "is not in OpenBLAS 0.3.21")
        #expect(choice.trying == "SkylakeX")
        choice.dropTrying(because: "failed the product check")
        #expect(choice.trying == "Haswell" && choice.remaining.isEmpty)
        let decoded = try JSONDecoder().decode(KernelChoice.self, from: Data(choice.encoded.utf8))
        #expect(decoded == choice)
        #expect(!choice.encoded.contains("\n"))
        choice.dropTrying(because: "crashed in the product check")
        #expect(choice.trying == nil && choice.dropped.map(\.reason) == ["is not in OpenBLAS 0.3.21", "failed the product check",
                                                                           "crashed in the product check"])
    }

    @Test func kernelLineSaysWhatRunsAndWhy() throws {
        func kernels(_ core: String, _ cpu: CPUFeatures, _ source: OpenBLASKernels.Source) -> OpenBLASKernels {
            OpenBLASKernels(version: "0.3.21", core: core, cpu: cpu, source: source)
        }
        let detected = kernels("Cooperlake", Self.bf16, .detected)
        #expect(detected.summary == "OpenBLAS 0.3.21: Cooperlake kernels, as it detected on this AVX-512 BF16 CPU")
        #expect(detected.fallbackWarning == nil && !detected.isBelowCPU)

        let fallback = kernels("Prescott", Self.bf16, .detected)
        #expect(fallback.isBelowCPU)
        #expect(fallback.summary.contains("could run Cooperlake (OPENBLAS_CORETYPE=Cooperlake)"))
        let warning = try #require(fallback.fallbackWarning)
        #expect(warning.contains("Prescott") && warning.contains("OPENBLAS_CORETYPE=Cooperlake"))

        let userSet = kernels("Prescott", Self.avx2, .environment("prescott"))
        #expect(userSet.summary.hasPrefix("OpenBLAS 0.3.21: Prescott kernels, set by OPENBLAS_CORETYPE; this AVX2 CPU could run Haswell"))
        #expect(userSet.fallbackWarning == nil)
        #expect(kernels("Cooperlake", Self.bf16, .environment("Bogus")).summary.contains("OPENBLAS_CORETYPE=Bogus names none it has"))

        var choice = try #require(KernelChoice.plan(cpu: Self.bf16, detected: "Prescott", userSet: nil))
        choice.dropTrying(because: "is not in OpenBLAS 0.3.21")
        let chosen = kernels("SkylakeX", Self.bf16, .chosen(choice))
        #expect(chosen.summary == "OpenBLAS 0.3.21: SkylakeX kernels, chosen; it detected Prescott on this AVX-512 BF16 CPU "
            + "(dropped: Cooperlake is not in OpenBLAS 0.3.21)")
        #expect(chosen.fields["source"] == "chosen" && chosen.fields["detected"] == "Prescott" && chosen.fields["core"] == "SkylakeX")
        #expect(chosen.fallbackWarning == nil)

        choice.dropTrying(because: "failed")
        choice.dropTrying(because: "failed")
        let allDropped = kernels("Prescott", Self.bf16, .chosen(choice))
        #expect(allDropped.summary.contains("as it detected") && allDropped.summary.contains("Haswell failed"))
        #expect(allDropped.fallbackWarning == nil)
    }

    /// The machine's own facts are consistent with each other.
    @Test func thisMachine() {
        let kernels = BLAS.kernels
        #expect(!kernels.core.isEmpty && !kernels.version.isEmpty)
        #expect(kernels.cpu == .current)
        if CPUFeatures.current.contains(.avx512BF16) { #expect(CPUFeatures.current.contains(.avx512)) }
        if CPUFeatures.current.contains(.avx512) { #expect(CPUFeatures.current.contains(.avx2FMA)) }
    }
}
