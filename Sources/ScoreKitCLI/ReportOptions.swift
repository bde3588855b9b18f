import ArgumentParser
import Foundation
import ScoreKit

/// What the tools that write a Markdown report share (compare-objectives, compare-samplers,
/// noise-study): the seed, the BLAS threads, and the folder the report goes to, with its figures
/// in images/ below it.
public struct ReportOptions: ParsableArguments {
    @Option(name: .long, help: "Random seed.")
    public var seed: UInt64 = 0

    @Option(name: .long, help: ThreadCount.help)
    public var threads: ThreadCount = .automatic

    @Option(name: .long, help: "Folder for the report (Markdown); its figures go to its images/ subfolder.")
    public var output = "docs"

    public init() {}

    /// The figures' folder.
    public var images: String { path("images") }

    /// `file` in the output folder.
    public func path(_ file: String) -> String { (output as NSString).appendingPathComponent(file) }

    /// Sets the threads and makes the output and images folders: the checks before any work.
    public func prepare() throws {
        printNow(ThreadGovernor.shared.start(threads))
        try OutputPath.prepareFolder(output)
        try OutputPath.prepareFolder(images)
    }
}
