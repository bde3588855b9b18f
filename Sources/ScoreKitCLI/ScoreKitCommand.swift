import ArgumentParser

/// A ScoreKit tool: a `ParsableCommand` whose `run()` first settles OpenBLAS's kernels
/// (`KernelLaunch`, which may start the tool again with better ones) and then does the tool's
/// work, `execute()`. Only parsing and `validate()`, which must stay free of side effects, come
/// before it; MPI, files and threads come after.
public protocol ScoreKitCommand: ParsableCommand {
    /// Options renamed so that a name means one thing across the tools, old spelling first: the
    /// old one still parses, with a one-line notice.
    static var renamedOptions: [(old: String, new: String)] { get }
    /// The tool's work.
    func execute() throws
}

extension ScoreKitCommand {
    public static var renamedOptions: [(old: String, new: String)] { [] }

    public func run() throws {
        KernelLaunch.settle()
        let given = CommandLine.arguments.dropFirst()
        for (old, new) in Self.renamedOptions where given.contains(where: { $0 == old || $0.hasPrefix(old + "=") }) {
            printNow("note: \(old) is now \(new); the old spelling still works")
        }
        try execute()
    }
}
