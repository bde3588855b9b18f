import Foundation

/// Any bytes through the .safetensors reader and, when that accepts them, the checkpoint reader
/// (metadata, shapes, training state). A thrown `InputError` is the readers doing their job; a
/// trap or a memory error is a finding.
func fuzzSafeTensors(_ bytes: Data) {
    if let file = try? SafeTensors.decode(bytes, name: "fuzz.safetensors") {
        _ = try? Checkpoint(file, name: "fuzz.safetensors")
    }
}
