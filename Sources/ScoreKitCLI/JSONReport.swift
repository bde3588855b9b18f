import Foundation
import ScoreKit

/// Writes a tool's summary as JSON, atomically. JSON has no infinity or NaN: each non-finite
/// number is written as null, and the top-level key "non_finite" lists where each was and what
/// it was, so that a diverged measurement reads as such instead of failing the write.
public enum JSONReport {
    public static func write(_ object: [String: Any], to path: String) throws {
        var notes: [String] = []
        var clean = sanitized(object, at: "", notes: &notes) as! [String: Any]
        if !notes.isEmpty { clean["non_finite"] = notes }
        try AtomicFile.write(JSONSerialization.data(withJSONObject: clean, options: [.prettyPrinted, .sortedKeys]), to: path)
    }

    /// `value` with every non-finite number replaced by null, noted with its key path.
    static func sanitized(_ value: Any, at path: String, notes: inout [String]) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            var out: [String: Any] = [:]
            for (key, item) in dictionary { out[key] = sanitized(item, at: path.isEmpty ? key : "\(path).\(key)", notes: &notes) }
            return out
        case let array as [Any]:
            return array.enumerated().map { sanitized($1, at: "\(path)[\($0)]", notes: &notes) }
        case let number as Double where !number.isFinite:
            notes.append("\(path) is \(number)")
            return NSNull()
        case let number as Float where !number.isFinite:
            notes.append("\(path) is \(number)")
            return NSNull()
        default:
            return value
        }
    }
}
