import ArgumentParser

/// A ScoreKit tool: a `ParsableCommand` whose `run()` first settles OpenBLAS's kernels
/// (`KernelLaunch`, which may start the tool again with better ones) and then does the tool's
/// work, `execute()`. Only parsing and `validate()`, which must stay free of side effects, come
/// before it; MPI, files and threads come after.
public protocol ScoreKitCommand: ParsableCommand {
    /// The tool's work.
    func execute() throws
}

extension ScoreKitCommand {
    public func run() throws {
        KernelLaunch.settle()
        try execute()
    }
}
