import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitTutorial

@main
struct Tutorial: ScoreKitCommand {
    static let renamedOptions = [(old: "--quick", new: "--fast")]

    static let configuration = CommandConfiguration(
        commandName: "tutorial",
        abstract: "Regenerate the numbers and figures of the DocC articles (Sources/ScoreKit/ScoreKit.docc).",
        discussion: """
            Runs each article's computation and rewrites the part of the article between its \
            "generated" markers, and its figures under Resources/ (and the landing page's drawing of the \
            layers, Resources/architecture.svg). Then \
            `swift package generate-documentation --target ScoreKit` builds the catalogue. About \
            a minute; --fast runs the tests' reduced budget (numbers are then noisier).
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Articles to regenerate (default: all): \(articles.map { $0.fileName }.joined(separator: ", ")).")
    var article: [String] = articles.map { $0.fileName }

    @Option(name: .long, help: "The DocC catalogue.")
    var catalogue = "Sources/ScoreKit/ScoreKit.docc"

    @Flag(name: [.customLong("fast"), .customLong("quick")], help: "The tests' reduced budget (--quick is the old spelling).")
    var fast = false

    @Option(name: .long, help: ThreadCount.help)
    var threads: ThreadCount = .automatic

    func validate() throws {
        let known = articles.map { $0.fileName }
        if let unknown = article.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown article '\(unknown)'; known: \(known.joined(separator: ", "))")
        }
    }

    func execute() throws {
        try SingleProcess.require("tutorial")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: catalogue, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("--catalogue \(catalogue): no such folder (run from the package's top folder, or name the catalogue)")
        }
        // Every article file must have its markers before any work starts.
        let selected = articles.filter { article.contains($0.fileName) }
        for type in selected { _ = try ArticleFile(catalogue: catalogue, name: type.fileName).generatedPart() }
        printNow(ThreadGovernor.shared.start(threads))
        let resources = (catalogue as NSString).appendingPathComponent("Resources")
        try FileManager.default.createDirectory(atPath: resources, withIntermediateDirectories: true)
        try AtomicFile.write(Architecture.svg, to: (resources as NSString).appendingPathComponent("architecture.svg"))
        for type in selected {
            let start = Date()
            let result = try type.init(quick: fast)
            try ArticleFile(catalogue: catalogue, name: type.fileName).write(result.generated)
            for (name, figure) in result.figures {
                try figure.write(to: (resources as NSString).appendingPathComponent(name + ".svg"))
            }
            printNow(String(format: "%@: %.1f s, %d figure(s)", type.fileName, Date().timeIntervalSince(start), result.figures.count))
            printNow(result.generated + "\n")
        }
    }
}
