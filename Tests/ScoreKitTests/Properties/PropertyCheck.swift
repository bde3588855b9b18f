import Foundation
import ScoreKit
import Testing

/// Values of one kind drawn from a seeded generator, with the simpler values a failing one may
/// shrink to. Each candidate must be strictly simpler than its source, so that shrinking ends.
struct Generated<Value> {
    let draw: (inout RandomSource) -> Value
    let shrink: (Value) -> [Value]

    init(draw: @escaping (inout RandomSource) -> Value, shrink: @escaping (Value) -> [Value] = { _ in [] }) {
        self.draw = draw
        self.shrink = shrink
    }
}

/// Properties checked on generated cases, QuickCheck's way, from a fixed seed: every run (CI's
/// among them) tries the same cases, and a failure names the case that replays it.
///
/// Not x-sheep/swift-property-based: its `propertyCheck` draws a fresh system seed for every
/// run, its fixed-seed trait runs a single case and always records an issue, and its shrinkers
/// are internal, so a fixed-seed run of many cases with shrinking cannot be built on it.
/// `SCOREKIT_PROPERTY_SEED` runs other cases than CI's.
enum PropertyCheck {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["SCOREKIT_PROPERTY_SEED"].flatMap { UInt64($0) } ?? 20_261_206

    /// Checks `property` on `cases` values drawn from `generated`; `property` returns nil when it
    /// holds, else why not. The first failing value is shrunk greedily (the first simpler
    /// candidate that still fails replaces it) and recorded with its case number.
    static func check<Value>(_ name: String, cases: Int, _ generated: Generated<Value>,
                             sourceLocation: SourceLocation = #_sourceLocation, _ property: (Value) -> String?) {
        var master = RandomSource(seed: seed ^ UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }))
        for index in 0..<cases {
            var rng = master.split()
            let value = generated.draw(&rng)
            guard var failure = property(value) else { continue }
            var smallest = value, shrinks = 0
            search: while shrinks < 500 {
                for candidate in generated.shrink(smallest) {
                    if let why = property(candidate) {
                        smallest = candidate
                        failure = why
                        shrinks += 1
                        continue search
                    }
                }
                break
            }
            func shown(_ value: Value) -> String {
                let text = String(describing: value)
                return text.count > 600 ? text.prefix(600) + "... (\(text.count) characters)" : text
            }
            Issue.record("\(name), case \(index + 1) of \(cases) (seed \(seed)): \(failure)\n  input (after \(shrinks) shrinks): \(shown(smallest))\n  first failing input: \(shown(value))",
                         sourceLocation: sourceLocation)
            return
        }
    }

    /// nil when `body` throws an error whose message is one line naming `name`, or returns a
    /// value `sound` accepts (nil); otherwise why the reader misbehaved. A trap ends the test
    /// process, which is a failure too.
    static func refusedOrSound<T>(naming name: String, seconds: Double = 5, _ body: () throws -> T,
                                  sound: (T) -> String? = { _ in nil }) -> String? {
        let clock = ContinuousClock(), start = clock.now
        let outcome = Result { try body() }
        let elapsed = clock.now - start
        guard elapsed < .seconds(seconds) else { return "took \(elapsed), a hang" }
        switch outcome {
        case let .success(value):
            return sound(value)
        case let .failure(error):
            let message = String(describing: error)
            if message.contains("\n") { return "refused over several lines: \(message)" }
            return message.contains(name) ? nil : "refused without naming \(name): \(message)"
        }
    }
}

extension RandomSource {
    /// An integer in `range`, uniformly.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// One of `choices`.
    mutating func pick<T>(_ choices: [T]) -> T { choices[int(in: 0...(choices.count - 1))] }

    /// A Float from its bits: NaNs, infinities, subnormals and zeros of both signs included.
    mutating func anyFloat() -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: next())) }

    /// A string of 0 to `length` characters that JSON and Swift treat specially as often as plain ones.
    mutating func awkwardString(length: Int) -> String {
        let pieces = ["a", "Z", "0", ".", " ", "\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", "é", "σ", "😀", "{", "}", ":", ",", "/", "_"]
        return (0..<int(in: 0...length)).map { _ in pick(pieces) }.joined()
    }
}
