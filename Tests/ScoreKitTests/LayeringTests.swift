import Foundation
import Testing
import ScoreKitTutorial

/// The folder tree is the architecture: each folder of the libraries (ScoreKit, then ScoreKitMPI
/// and ScoreKitStudies above it) uses only the folders below it. This reads the sources and fails
/// for a file that names a type or function declared (at top level) in a folder above its own.
@Suite struct LayeringTests {
    /// Bottom-up, as "Module/Folder"; folders on one level share it (the list the catalogue's
    /// landing page draws).
    static let levels: [[String]] = Architecture.levels.map { level in level.folders.map { "\(level.module)/\($0)" } }

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    /// Every code folder of the layered libraries, as "Module/Folder". Resources/ holds data files
    /// (the shipped digits), ScoreKit.docc the documentation: no code.
    static func folders() throws -> [String] {
        try Architecture.modules.flatMap { module in
            try FileManager.default.contentsOfDirectory(atPath: sources.appendingPathComponent(module).path)
                .filter { !$0.hasPrefix(".") && $0 != "Resources" && !$0.hasSuffix(".docc") }
                .map { "\(module)/\($0)" }
        }.sorted()
    }

    /// The source lines of a file without comments.
    static func code(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let text = String(line)
            guard let comment = text.range(of: "//") else { return text }
            return String(text[..<comment.lowerBound])
        }
    }

    @Test func everyFolderUsesOnlyTheFoldersBelowIt() throws {
        let manager = FileManager.default
        let folders = try Self.folders()
        let rank = Dictionary(uniqueKeysWithValues: Self.levels.enumerated().flatMap { index, names in names.map { ($0, index) } })
        #expect(Set(folders) == Set(rank.keys), "every folder has a level: \(folders) against \(rank.keys.sorted())")
        var declared: [String: String] = [:]  // name -> folder
        var files: [(folder: String, name: String, lines: [String])] = []
        for folder in folders {
            for file in try manager.contentsOfDirectory(atPath: Self.sources.appendingPathComponent(folder).path) where file.hasSuffix(".swift") {
                let lines = try Self.code(Self.sources.appendingPathComponent(folder).appendingPathComponent(file))
                files.append((folder, file, lines))
                for line in lines where !line.hasPrefix(" ") {
                    let words = line.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init)
                    if let keyword = words.firstIndex(where: { ["struct", "class", "enum", "protocol", "func", "typealias"].contains($0) }),
                       keyword + 1 < words.count, words[..<keyword].allSatisfy({ ["public", "package", "internal", "final", "private", "fileprivate"].contains($0) }) {
                        declared[words[keyword + 1]] = folder
                    }
                }
            }
        }
        #expect(declared.count > 50, "the declaration scan found only \(declared.count) names")
        var violations: [String] = []
        for file in files {
            let mine = rank[file.folder] ?? 0
            let used = Set(file.lines.flatMap { $0.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init) })
            for name in used.sorted() {
                if let home = declared[name], let theirs = rank[home], theirs > mine {
                    violations.append("\(file.folder)/\(file.name) uses \(name) from \(home)")
                }
            }
        }
        #expect(violations.isEmpty, "upward uses:\n\(violations.joined(separator: "\n"))")
    }

    /// Pointers stay inside the package: no public declaration (its signature read up to the
    /// opening brace, across lines while its parentheses are open) names an unsafe pointer type. `package` declarations may.
    @Test func publicDeclarationsTakeNoPointers() throws {
        let manager = FileManager.default
        var found: [String] = [], publicCount = 0
        for folder in try Self.folders() {
            let directory = Self.sources.appendingPathComponent(folder)
            for file in try manager.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
                let lines = try Self.code(directory.appendingPathComponent(file))
                for (i, line) in lines.enumerated() where line.contains("public ") {
                    publicCount += 1
                    // A signature continues on the next line while its parameter list is open.
                    var signature = line, next = i + 1
                    func open(_ text: String) -> Int { text.filter { $0 == "(" }.count - text.filter { $0 == ")" }.count }
                    while open(signature) > 0 && next < lines.count {
                        signature += lines[next]
                        next += 1
                    }
                    if let brace = signature.firstIndex(of: "{") { signature = String(signature[..<brace]) }
                    if signature.contains("Unsafe") { found.append("\(folder)/\(file):\(i + 1)") }
                }
            }
        }
        #expect(publicCount > 200, "the scan found only \(publicCount) public declarations")
        #expect(found.isEmpty, "public declarations with pointers:\n\(found.joined(separator: "\n"))")
    }
}
