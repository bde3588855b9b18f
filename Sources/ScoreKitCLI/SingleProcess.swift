import ScoreKit
import ScoreKitMPI

/// The tools that do not share their work between MPI ranks refuse to start under `mpirun -np N`
/// with N > 1: every rank would do the whole job and write the same files.
public enum SingleProcess {
    /// The tools that do share their work, for the refusal's text.
    static let sharing = "train-dsm, noise-study, image-study, compare-objectives, compare-samplers and bench --all-reduce"

    /// Throws when `tool` was started as one of several MPI ranks.
    public static func require(_ tool: String) throws {
        guard ProcessGroup.launchSize > 1 else { return }
        throw RunFailure("\(tool) runs as one process, and mpirun started \(ProcessGroup.launchSize); of the tools, \(sharing) share their work over ranks")
    }
}
