import ArgumentParser
import CLaunch

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
        // glibc raises its mmap threshold to the size of each large block freed, after which
        // blocks of that size come from the heap and stay when freed: image-study, training arm
        // after arm, grew 20 MB an arm (336 to 457 MB in 30 minutes). At a fixed threshold (128 KiB,
        // glibc's starting one) every large block goes back when freed; the training loops
        // allocate nothing, so this costs no speed.
        sk_fix_mmap_threshold(128 << 10)
        let given = CommandLine.arguments.dropFirst()
        for (old, new) in Self.renamedOptions where given.contains(where: { $0 == old || $0.hasPrefix(old + "=") }) {
            printNow("note: \(old) is now \(new); the old spelling still works")
        }
        try execute()
    }
}
