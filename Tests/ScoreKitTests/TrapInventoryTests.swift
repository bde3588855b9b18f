import Foundation
import Testing

/// docs/RELIABILITY.md traces every trap site in the sources (`precondition`,
/// `preconditionFailure`, `fatalError`, `try!`) to what feeds it and names the guard of each one
/// input could reach. This keeps that list whole: a file whose count of sites differs from the
/// list's fails until its new site is traced.
@Suite struct TrapInventoryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var site: Regex<Substring> { /precondition\(|preconditionFailure\(|fatalError\(|try!/ }

    /// Sites per file under Sources/, by path below it, outside comments.
    static func sites() throws -> [String: Int] {
        let sources = root.appendingPathComponent("Sources")
        var counts: [String: Int] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            let count = try LayeringTests.code(file).reduce(0) { $0 + $1.matches(of: site).count }
            if count > 0 { counts[String(file.standardized.path.dropFirst(sources.standardized.path.count + 1))] = count }
        }
        return counts
    }

    /// Sites per file as the document lists them: "| `path` | n |" in its table and "`path` (n)"
    /// in its list of internal sites.
    static func listed() throws -> [String: Int] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/RELIABILITY.md"), encoding: .utf8)
        let section = text.components(separatedBy: "## Traps")[1].components(separatedBy: "\n## ")[0]
        var counts: [String: Int] = [:]
        for match in section.matches(of: /`([\w\/+.-]+\.swift)`(?: \| | \()(\d+)/) {
            counts[String(match.output.1), default: 0] += Int(match.output.2)!
        }
        return counts
    }

    @Test func everyTrapSiteIsTracedInTheReliabilityNotes() throws {
        let found = try Self.sites(), listed = try Self.listed()
        #expect(found.values.reduce(0, +) > 100, "the sources hold their trap sites")
        for file in Set(found.keys).union(listed.keys).sorted() where found[file] != listed[file] {
            Issue.record("Sources/\(file) has \(found[file] ?? 0) trap sites; docs/RELIABILITY.md lists \(listed[file] ?? 0): trace the difference there")
        }
    }
}
