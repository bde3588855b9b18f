import Foundation
import ScoreKit
import ScoreKitCLI

/// `bench --kernels-compare`: the GEMM bound of each workload on each OpenBLAS core type this CPU
/// runs. OpenBLAS reads OPENBLAS_CORETYPE only when it loads, so each core is timed by a child
/// bench (`--gemm-bounds`) started with the variable set.
enum KernelComparison {
    /// The cores to time: every family this CPU runs, its best first, down to the SSE3 fallback,
    /// and the running core if it is another name (such as Zen).
    static func cores(_ kernels: OpenBLASKernels) -> [String] {
        var cores = OpenBLASCores.candidates(for: kernels.cpu)
        if kernels.cpu.contains(.avx2FMA) && !cores.contains("Sandybridge") { cores.append("Sandybridge") }
        cores.append("Prescott")
        if !cores.contains(where: { $0.lowercased() == kernels.core.lowercased() }) { cores.insert(kernels.core, at: 0) }
        return cores
    }

    /// One child's answer: the core it ran (OpenBLAS's name) and its bounds.
    struct Bounds: Codable {
        struct Row: Codable {
            let workload: String
            let threads: Int
            let bound: Double
        }
        let core: String
        let rows: [Row]
    }

    /// The child's side: the bounds at fixed thread counts, as one line of JSON.
    static func measure(_ workloads: [Workload], threads: [Int], repetitions: Int, seconds: Double) throws -> String {
        var rows: [Bounds.Row] = []
        for workload in workloads {
            for count in threads {
                BLAS.threadCount = count
                let bounds = (0..<repetitions).map { _ in GemmTimer.boundRate(workload, minimumSeconds: seconds / 4) }.sorted()
                rows.append(Bounds.Row(workload: workload.name, threads: count, bound: bounds[repetitions / 2]))
            }
        }
        return String(decoding: try JSONEncoder().encode(Bounds(core: BLAS.kernels.core, rows: rows)), as: UTF8.self)
    }

    /// The parent's side: a table row per core, workload and thread count, with the bound relative
    /// to the running kernels'; and the same as JSON.
    static func report(_ workloads: [Workload], threads: [Int], repetitions: Int, seconds: Double) throws -> [[String: Any]] {
        let running = BLAS.kernels
        printNow("GEMM bound by OpenBLAS kernels (each in its own process; running: \(running.core)):")
        printNow(row(["kernels", "workload", "threads", "GEMM bound", "of running"]))
        var measured: [String: Bounds] = [:], results: [[String: Any]] = []
        let arguments = ["--gemm-bounds", "--workloads"] + workloads.map(\.name) + ["--threads"] + threads.map(String.init)
            + ["--repetitions", "\(repetitions)", "--seconds", "\(seconds)"]
        for core in cores(running) {
            let output: String
            do {
                output = try ExternalCommand.waitForOutput(of: "/proc/self/exe", arguments, environment: ["OPENBLAS_CORETYPE": core])
            } catch {
                printNow(row([core, "(failed: \(error))"]))
                continue
            }
            let bounds = try JSONDecoder().decode(Bounds.self, from: Data(output.utf8))
            guard bounds.core.lowercased() == core.lowercased() else {
                printNow(row([core, "(not in OpenBLAS \(running.version): it ran \(bounds.core))"]))
                continue
            }
            measured[core] = bounds
        }
        let reference = measured.first { $0.key.lowercased() == running.core.lowercased() }?.value
        for core in cores(running) {
            guard let bounds = measured[core] else { continue }
            for entry in bounds.rows {
                let base = reference?.rows.first { $0.workload == entry.workload && $0.threads == entry.threads }?.bound
                printNow(row([core, entry.workload, "\(entry.threads)", Bench.format(entry.bound),
                              base.map { String(format: "%.2f", entry.bound / $0) } ?? "-"]))
                results.append(["kernels": core, "workload": entry.workload, "thread_count": entry.threads, "gemm_bound": entry.bound])
            }
        }
        return results
    }

    static func row(_ cells: [String]) -> String {
        zip(cells, [12, 14, 8, 14, 10]).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
    }
}
