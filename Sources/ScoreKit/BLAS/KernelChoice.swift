import Foundation

/// A tool's choice of OpenBLAS kernels when OpenBLAS's own detection falls below the CPU (on a CPU
/// newer than the installed OpenBLAS, it runs its SSE3 "Prescott" kernels at a third of the speed).
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when it loads, so a tool that wants other kernels
/// starts itself again with the variable set (`KernelLaunch` in ScoreKitCLI). This record travels
/// with it in `SCOREKIT_OPENBLAS_CHOICE`: what OpenBLAS detected, the core being tried, the ones
/// left to try, and the ones dropped and why. A value the user set is never replaced.
public struct KernelChoice: Codable, Equatable, Sendable {
    public struct Dropped: Codable, Equatable, Sendable {
        public let core: String
        public let reason: String
    }

    /// The core OpenBLAS detected by itself.
    public let detected: String
    /// The core this launch asks for; nil once every candidate was dropped (OpenBLAS's own again).
    public private(set) var trying: String?
    /// The candidates after `trying`, best first.
    public private(set) var remaining: [String]
    public private(set) var dropped: [Dropped]

    public init(detected: String, trying: String?, remaining: [String], dropped: [Dropped] = []) {
        self.detected = detected
        self.trying = trying
        self.remaining = remaining
        self.dropped = dropped
    }

    /// The environment variable that carries the record to the relaunched process.
    public static let environmentKey = "SCOREKIT_OPENBLAS_CHOICE"

    /// What to do at launch: nil keeps OpenBLAS's kernels (the user set `OPENBLAS_CORETYPE`; or
    /// OpenBLAS detected a core as wide as the CPU, or one this table does not know); otherwise
    /// the cores to try, best first. A pure function of its arguments.
    public static func plan(cpu: CPUFeatures, detected: String, userSet: String?) -> KernelChoice? {
        guard userSet == nil, let tier = OpenBLASCores.tier(of: detected) else { return nil }
        // Only a wider family than the detected one: within a family OpenBLAS's choice stands.
        let better = OpenBLASCores.candidates(for: cpu).filter { (OpenBLASCores.tier(of: $0) ?? .sse) > tier }
        guard let first = better.first else { return nil }
        return KernelChoice(detected: detected, trying: first, remaining: Array(better.dropFirst()))
    }

    /// Drops the core being tried, for `reason`, and moves to the next candidate (or to none).
    public mutating func dropTrying(because reason: String) {
        if let trying { dropped.append(Dropped(core: trying, reason: reason)) }
        trying = remaining.first
        remaining = Array(remaining.dropFirst())
    }

    /// The record as the environment variable's value (one line of JSON).
    public var encoded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The record this process was launched with, if a tool relaunched it.
    public static var inherited: KernelChoice? {
        guard let text = ProcessInfo.processInfo.environment[environmentKey] else { return nil }
        return try? JSONDecoder().decode(KernelChoice.self, from: Data(text.utf8))
    }
}
