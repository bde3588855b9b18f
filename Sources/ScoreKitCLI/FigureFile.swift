import Foundation
import ScoreKit
import ScoreKitStudies

/// Writes figures as SVG, plus a PNG beside each where `rsvg-convert` (Debian's librsvg2-bin)
/// is installed, for viewers that do not show SVG.
public enum FigureFile {
    static let converter: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { "\($0)/rsvg-convert" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Writes `figure` to `path` (an .svg path) and, when possible, the PNG next to it.
    public static func write(_ figure: SVGFigure, to path: String) throws {
        try write(svg: figure.svg, to: path)
    }

    /// Writes a drawn figure's SVG text (one made on another rank, say) and its PNG.
    public static func write(svg: String, to path: String) throws {
        try AtomicFile.write(svg, to: path)
        guard let converter else { return }
        let png = (path as NSString).deletingPathExtension + ".png"
        _ = try? ExternalCommand.waitForOutput(of: converter, ["-o", png, path])
    }
}
