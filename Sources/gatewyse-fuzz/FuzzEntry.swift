#if GATEWYSE_FUZZ
/// libFuzzer's entry point. Built only by `tests/fuzz/run.sh` (`-sanitize=fuzzer,address`
/// with `-DGATEWYSE_FUZZ`), where libFuzzer supplies `main`; which parser is fuzzed comes from
/// `GATEWYSE_FUZZ_TARGET` (see `FuzzTarget`), since libFuzzer owns the command line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.selected.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
#else
import Foundation

/// Without the fuzzer (every ordinary build), the same harnesses replay saved inputs:
/// `gatewyse-fuzz <target> <file or directory>…` — how a crash the fuzzer found is reproduced
/// under the debugger, and how the committed corpus stays checked by a plain build.
@main
struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: gatewyse-fuzz <\(names)> <file or directory>...\n".utf8))
            exit(2)
        }
        var replayed = 0
        for path in arguments.dropFirst() {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("gatewyse-fuzz: cannot read \(file)\n".utf8))
                    exit(1)
                }
                data.withUnsafeBytes { target.run($0.bindMemory(to: UInt8.self)) }
                replayed += 1
            }
        }
        print("gatewyse-fuzz \(target.rawValue): \(replayed) inputs replayed")
    }

    /// A file, or the regular files directly inside a directory, in name order.
    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { "\(path)/\($0)" }
    }
}
#endif
