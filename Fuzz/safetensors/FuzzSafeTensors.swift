import Foundation

/// libFuzzer target: any bytes through the .safetensors reader and, when that accepts them,
/// the checkpoint reader (metadata, shapes, training state). A thrown `InputError` is the
/// readers doing their job; a trap or a memory error is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    if let file = try? SafeTensors.decode(Data(bytes: bytes, count: count), name: "fuzz.safetensors") {
        _ = try? Checkpoint(file, name: "fuzz.safetensors")
    }
    return 0
}
