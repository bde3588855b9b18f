import Foundation
import ScoreKit

/// An article's Markdown file in the catalogue, whose generated part sits between two markers
/// (HTML comments, which DocC does not show). Everything outside them is written by hand.
public struct ArticleFile {
    public static let begin = "<!-- generated: `swift run -c release tutorial` rewrites this part -->"
    public static let end = "<!-- end of generated part -->"

    public let path: String

    public init(catalogue: String, name: String) {
        path = (catalogue as NSString).appendingPathComponent(name + ".md")
    }

    /// What a mistake in the file looks like to the person who made it.
    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    /// The text between the markers now.
    public func generatedPart() throws -> String {
        let text = try contents()
        return String(text[try range(in: text)]).trimmingCharacters(in: .newlines)
    }

    /// Replaces the text between the markers with `generated` (atomically).
    public func write(_ generated: String) throws {
        var text = try contents()
        text.replaceSubrange(try range(in: text), with: "\n" + generated + "\n")
        try AtomicFile.write(text, to: path)
    }

    private func contents() throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Malformed(description: "\(path): no readable article here (is this the catalogue?)")
        }
        return text
    }

    private func range(in text: String) throws -> Range<String.Index> {
        guard let start = text.range(of: Self.begin), let stop = text.range(of: Self.end, range: start.upperBound..<text.endIndex),
              text.components(separatedBy: Self.begin).count == 2 else {
            throw Malformed(description: "\(path): needs one line \(Self.begin) and, after it, \(Self.end)")
        }
        return start.upperBound..<stop.lowerBound
    }
}
