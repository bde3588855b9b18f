import Foundation

/// Whole-file writes that either fully happen or leave the old file in place.
public enum AtomicFile {
    /// Writes `data` to a temporary file in the destination's folder, flushes it, then renames
    /// it over `path` (rename(2) is atomic within a file system), so a reader or an interrupted
    /// run never sees a half-written file.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path), temporary = temporaryURL(of: path)
        do {
            try data.write(to: temporary)
            if let handle = FileHandle(forUpdatingAtPath: temporary.path) {
                try? handle.synchronize()
                try? handle.close()
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot write \(path): \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot move the new \(url.lastPathComponent) into place: \(reason)")
        }
    }

    /// The one temporary name a target is written under: a write killed half-way leaves at most
    /// this file behind, and the next write of the target replaces it instead of adding another.
    /// (Two processes writing one target at once would share it; the tools never do.)
    static func temporaryURL(of path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
    }

    /// Removes what an interrupted write of `path` left behind, if anything.
    public static func removeStaleTemporary(of path: String) {
        try? FileManager.default.removeItem(at: temporaryURL(of: path))
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// The bytes of a file, or an `InputError` naming the file.
    public static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError("\(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("\(path): cannot be read") }
        return data
    }
}
