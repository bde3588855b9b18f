import Foundation
import ScoreKit
import ScoreKitCLI

/// Another framework's implementation of the workloads (scripts/peers), run in the Python
/// environment that scripts/peers/setup.sh makes: JAX for the MLP's training workloads and the
/// U-Net's, PyTorch (setup.sh --torch) for the U-Net's. The U-Net peers read the engine's
/// network and weights from a checkpoint the bench writes.
struct Peer {
    enum Framework: String { case jax, pytorch }

    let framework: Framework
    let python: String

    var script: String { framework == .jax ? "scripts/peers/jax_workloads.py" : "scripts/peers/torch_workloads.py" }
    /// The column heading of its rate.
    var title: String { framework == .jax ? "JAX (jit)" : "PyTorch" }
    var name: String { framework == .jax ? "JAX" : "PyTorch" }

    func implements(_ workload: Workload) -> Bool {
        if workload.configuration is UNetConfiguration { return [.dsm, .score].contains(workload.kind) }
        return framework == .jax && [.dsm, .ssm, .langevin].contains(workload.kind)
    }

    /// Why the peer cannot run, or nil when it can.
    var problem: String? {
        if !FileManager.default.isExecutableFile(atPath: python) { return "\(python) not found: run scripts/peers/setup.sh" }
        if !FileManager.default.fileExists(atPath: script) { return "\(script) not found: run bench from the package root" }
        let module = framework == .jax ? "jax" : "torch"
        if (try? ExternalCommand.waitForOutput(of: python, ["-c", "import \(module)"])) == nil {
            return "\(python) cannot import \(module): run scripts/peers/setup.sh" + (framework == .pytorch ? " --torch" : "")
        }
        return nil
    }

    /// A single-threaded peer is pinned to one core and told so, like OpenBLAS with one thread.
    private func command(_ arguments: [String], threads: Int) -> ([String], [String: String]) {
        switch framework {
        case .jax:
            guard threads == 1 else { return ([python, script] + arguments, [:]) }
            return (["taskset", "-c", "0", python, script] + arguments,
                    ["XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"])
        case .pytorch:
            let told = [python, script] + arguments + ["--threads", "\(threads)"]
            return (threads == 1 ? ["taskset", "-c", "0"] + told : told, [:])
        }
    }

    private func run(_ arguments: [String], threads: Int) throws -> [String: Any] {
        let (command, environment) = command(arguments, threads: threads)
        let line = try ExternalCommand.waitForOutput(of: command[0], Array(command.dropFirst()), environment: environment)
        guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw RunFailure("unexpected output from the \(name) peer: \(line)")
        }
        return json
    }

    /// The peer's median rate, in the workload's unit; `weights` is the engine's checkpoint of a U-Net workload's network.
    func rate(_ workload: Workload, weights: String?, threads: Int, repetitions: Int, seconds: Double) throws -> Double {
        let json = try run(["--workload", workload.name, "--repetitions", "\(repetitions)", "--seconds", "\(seconds)"]
                           + (weights.map { ["--weights", $0] } ?? []), threads: threads)
        guard let median = json["median"] as? Double else { throw RunFailure("the \(name) peer gave no median rate: \(json)") }
        return median
    }

    /// The losses the peer computes on the weights and batch in `folder` (`--check` for the
    /// MLP's DSM and SSM, `--check-unet` for the U-Net's DSM), by name.
    func losses(_ option: String, folder: String) throws -> [String: Double] {
        guard let losses = try run([option, folder], threads: 1) as? [String: Double] else {
            throw RunFailure("the \(name) peer's \(option) gave no losses")
        }
        return losses
    }
}
