import Foundation
import ScoreKit
import ScoreKitCLI

/// The JAX implementation of the workloads in scripts/peers/jax_workloads.py, run in the
/// Python environment that scripts/peers/setup.sh makes.
struct JAXPeer {
    let python: String
    let script = "scripts/peers/jax_workloads.py"

    /// Why the peer cannot run, or nil when it can.
    var problem: String? {
        if !FileManager.default.isExecutableFile(atPath: python) { return "\(python) not found: run scripts/peers/setup.sh" }
        if !FileManager.default.fileExists(atPath: script) { return "\(script) not found: run bench from the package root" }
        return nil
    }

    /// A single-threaded peer is pinned to one core and told so, like OpenBLAS with one thread.
    private func command(_ arguments: [String], threads: Int) -> ([String], [String: String]) {
        guard threads == 1 else { return ([python, script] + arguments, [:]) }
        return (["taskset", "-c", "0", python, script] + arguments,
                ["XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"])
    }

    /// The peer's median rate, in the workload's unit.
    func rate(_ workload: Workload, threads: Int, repetitions: Int, seconds: Double) throws -> Double {
        let (arguments, environment) = command(["--workload", workload.name, "--repetitions", "\(repetitions)",
                                                "--seconds", "\(seconds)"], threads: threads)
        let line = try ExternalCommand.waitForOutput(of: arguments[0], Array(arguments.dropFirst()), environment: environment)
        guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let median = json["median"] as? Double else { throw RunFailure("unexpected output from the JAX peer: \(line)") }
        return median
    }

    /// The DSM and SSM losses JAX computes on the weights and batch in `folder`.
    func losses(folder: String) throws -> (dsm: Double, ssm: Double) {
        let (arguments, environment) = command(["--check", folder], threads: 1)
        let line = try ExternalCommand.waitForOutput(of: arguments[0], Array(arguments.dropFirst()), environment: environment)
        guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double],
              let dsm = json["dsm_loss"], let ssm = json["ssm_loss"] else { throw RunFailure("unexpected output from the JAX check: \(line)") }
        return (dsm, ssm)
    }
}
