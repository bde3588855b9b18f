import Foundation
import ScoreKit

/// Checks where a tool will write before it does any work, so that a bad output path costs a
/// second, not a training run. Every refusal is one line naming the option and the reason.
public enum OutputPath {
    /// Makes folder `path` (and its parents) if missing, checks that it can be written, locks it
    /// for this run (`OutputLock`: a second run writing there refuses) and clears the temporary
    /// files (`.NAME.tmp`) that interrupted atomic writes left in it.
    public static func prepareFolder(_ path: String, option: String = "--output") throws {
        try makeFolder(path, option: option)
        try OutputLock.acquire(path, option: option)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            AtomicFile.removeStaleTemporary(of: (path as NSString).appendingPathComponent(String(name.dropFirst().dropLast(4))))
        }
    }

    /// Checks a file output: its extension is `fileExtension` (the format that will be written),
    /// its folder exists or can be made and is writable; clears the file's own interrupted
    /// temporary, leaving those of other runs writing beside it alone.
    public static func prepareFile(_ path: String, extension fileExtension: String, option: String = "--output") throws {
        guard !path.hasSuffix("/"), URL(fileURLWithPath: path).pathExtension.lowercased() == fileExtension else {
            throw RunFailure("\(option) must name a .\(fileExtension) file, got '\(path)'")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw RunFailure("\(option) \(path) is a folder")
        }
        let folder = (path as NSString).deletingLastPathComponent
        try makeFolder(folder.isEmpty ? "." : folder, option: option)
        AtomicFile.removeStaleTemporary(of: path)
    }

    /// Makes folder `path` (and its parents) if missing and checks that it can be written.
    static func makeFolder(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw RunFailure("\(option) is empty; name a folder") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw RunFailure("\(option) \(path) is a file, not a folder") }
        } else {
            // mkdir(2) level by level, so that the reason is the system's own ("Not a directory").
            var prefix = path.hasPrefix("/") ? "/" : ""
            for component in path.split(separator: "/") {
                prefix += component + "/"
                guard mkdir(prefix, 0o777) == 0 || errno == EEXIST else {
                    throw RunFailure("\(option) \(path): cannot create the folder \(prefix): \(String(cString: strerror(errno)))")
                }
            }
        }
        guard access(path, W_OK) == 0 else { throw RunFailure("\(option) \(path): the folder is not writable") }
    }
}
