import Foundation

/// Any bytes through the CSV reader. A thrown `InputError` is the reader doing its job; a trap or
/// a memory error is a finding.
func fuzzCSV(_ bytes: Data) {
    _ = try? DataFile.decode(bytes, format: "csv", name: "fuzz.csv")
}
