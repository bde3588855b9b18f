import ArgumentParser

/// The value of every tool's `--threads`: a fixed number of threads for the matrix products, or
/// `auto` (the default), which follows the cores no other process is using (`ThreadGovernor`).
public enum ThreadCount: ExpressibleByArgument, CustomStringConvertible, Equatable, Sendable {
    case automatic
    case fixed(Int)

    /// The help every tool shows for `--threads`.
    public static let help = ArgumentHelp(
        "Threads for the matrix products: a count, or auto (default).",
        discussion: "auto never uses a core another process keeps busy (two threads sharing one run many times "
            + "slower than one), and keeps whichever of 1 thread and the free cores runs the work faster, "
            + "both measured every tenth of a second. Results do not depend on the count: each product is cut "
            + "into tiles fixed by its shape, whichever thread computes them.",
        valueName: "n|auto")

    public init?(argument: String) {
        if argument == "auto" { self = .automatic; return }
        guard let count = Int(argument), count >= 1 else { return nil }
        self = .fixed(count)
    }

    public var description: String {
        switch self {
        case .automatic: "auto"
        case .fixed(let count): "\(count)"
        }
    }

    public static var allValueStrings: [String] { [] }
}
