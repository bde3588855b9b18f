import COpenBLAS
import Foundation

/// Which of OpenBLAS's kernels this process runs, why, and what the CPU could run (`BLAS.kernels`).
public struct OpenBLASKernels: Sendable, Equatable {
    /// How the running kernels were decided.
    public enum Source: Sendable, Equatable {
        /// OpenBLAS detected them itself.
        case detected
        /// The user's `OPENBLAS_CORETYPE` (its value).
        case environment(String)
        /// A tool's launch chose them (or went back to the detected ones after dropping every candidate).
        case chosen(KernelChoice)
    }

    /// OpenBLAS's version ("0.3.21").
    public let version: String
    /// The kernels running ("Cooperlake"), as OpenBLAS names them.
    public let core: String
    public let cpu: CPUFeatures
    public let source: Source

    public init(version: String, core: String, cpu: CPUFeatures, source: Source) {
        self.version = version
        self.core = core
        self.cpu = cpu
        self.source = source
    }

    /// This process's kernels.
    public static let current: OpenBLASKernels = {
        let config = String(cString: openblas_get_config())
        let words = config.split(separator: " ")
        let version = words.count > 1 && words[0] == "OpenBLAS" ? String(words[1]) : config
        let core = String(cString: openblas_get_corename())
        let environment = userCoreType
        let source: Source
        if let choice = KernelChoice.inherited, choice.trying == environment {
            source = .chosen(choice)
        } else if let environment {
            source = .environment(environment)
        } else {
            source = .detected
        }
        return OpenBLASKernels(version: version, core: core, cpu: .current, source: source)
    }()

    /// `OPENBLAS_CORETYPE` when set and not empty (OpenBLAS ignores an empty value).
    public static var userCoreType: String? {
        ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The best core for this CPU, if it is an x86-64 CPU with vector extensions.
    public var bestForCPU: String? { OpenBLASCores.candidates(for: cpu).first }

    /// True when the running kernels are of a narrower family than the CPU runs.
    public var isBelowCPU: Bool { OpenBLASCores.tier(of: core).map { $0 < cpu.tier } ?? false }

    /// One line for a tool's header, e.g. "OpenBLAS 0.3.21: Cooperlake kernels, chosen; it
    /// detected Prescott on this AVX-512 BF16 CPU".
    public var summary: String {
        let head = "OpenBLAS \(version): \(core) kernels"
        let better = isBelowCPU ? bestForCPU.map { "; this \(cpu.name) CPU could run \($0) (OPENBLAS_CORETYPE=\($0))" } ?? "" : ""
        switch source {
        case .detected:
            return head + (isBelowCPU ? ", as it detected" + better : ", as it detected on this \(cpu.name) CPU")
        case .environment(let value):
            guard value.lowercased() == core.lowercased() else {
                return head + ", as it detected; OPENBLAS_CORETYPE=\(value) names none it has" + better
            }
            return head + ", set by OPENBLAS_CORETYPE" + better
        case .chosen(let choice):
            let dropped = choice.dropped.map { "\($0.core) \($0.reason)" }.joined(separator: "; ")
            if choice.trying == nil {
                return head + ", as it detected on this \(cpu.name) CPU, since every better one was dropped: " + dropped
            }
            return head + ", chosen; it detected \(choice.detected) on this \(cpu.name) CPU"
                + (dropped.isEmpty ? "" : " (dropped: \(dropped))")
        }
    }

    /// For `summary.json` and `--json`: the same facts as fields.
    public var fields: [String: String] {
        var out = ["version": version, "core": core, "cpu": cpu.name, "summary": summary]
        switch source {
        case .detected: out["source"] = "detected"
        case .environment(let value): out["source"] = "OPENBLAS_CORETYPE"; out["requested"] = value
        case .chosen(let choice): out["source"] = "chosen"; out["detected"] = choice.detected
        }
        return out
    }

    /// The line a program that imports ScoreKit sees once, on its first product, when OpenBLAS
    /// runs kernels below the CPU by its own detection (the tools relaunch themselves instead).
    public var fallbackWarning: String? {
        guard source == .detected, isBelowCPU, let best = bestForCPU else { return nil }
        return "ScoreKit: OpenBLAS \(version) runs its \(core) kernels on this \(cpu.name) CPU, well below its speed; "
            + "start the program with OPENBLAS_CORETYPE=\(best) to run its \(best) kernels"
    }
}
