import ArgumentParser
import Foundation
import ScoreKit

/// What the tools that write a Markdown report share (compare-objectives, compare-samplers,
/// noise-study, image-study): the seed and the BLAS threads (`RunOptions`), and the folder the report goes to, with its figures
/// in images/ below it.
public struct ReportOptions: ParsableArguments {
    @OptionGroup public var run: RunOptions

    @Option(name: .long, help: "Folder for the report (Markdown); its figures go to its images/ subfolder.")
    public var output = "docs"

    public init() {}

    /// `--seed`, or 0.
    public var seed: UInt64 { run.seedOrDefault }

    /// The figures' folder.
    public var images: String { path("images") }

    /// `file` in the output folder.
    public func path(_ file: String) -> String { (output as NSString).appendingPathComponent(file) }

    /// Sets the threads and makes the output and images folders: the checks before any work.
    public func prepare() throws {
        run.startThreads()
        try OutputPath.prepareFolder(output)
        try OutputPath.prepareFolder(images)
    }
}
