import EnhanceTensor
import Foundation

/// The CPU the figures come from: model name and the vector ISA flags that decide the kernel.
struct MachineInfo: Codable, Sendable {
    var cpu: String
    /// Of `avx2`, `fma`, `avx512f`, `asimd` (arm64 NEON): those the CPU reports.
    var flags: [String]
    var cores: Int
    /// The kernel variant compiled into this binary (`KernelISA`).
    var kernel: String

    static var current: MachineInfo {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n")
        func value(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key) }.flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let all = Set((value("flags") ?? value("Features") ?? "").split(separator: " ").map(String.init))
        #if arch(arm64)
        let arch = "arm64"
        #else
        let arch = "x86_64"
        #endif
        return MachineInfo(cpu: "\(value("model name") ?? value("CPU part") ?? "unknown CPU") (\(arch))",
                           flags: ["avx2", "fma", "avx512f", "asimd"].filter(all.contains),
                           cores: ProcessInfo.processInfo.activeProcessorCount,
                           kernel: KernelISA.compiled.rawValue)
    }
}

/// `enhance bench --json`: one object per configuration (network, size, threads, swift_s, ort_s,
/// openvino_s, ncnn_s, medians in seconds; null where an anchor was not measured; the ratios
/// swift_over_<anchor> and swift_over_fastest_ort_openvino), plus the machine and the
/// micro-kernel figures, so runs on different machines can be compared.
struct BenchReport: Encodable {
    struct Row: Encodable {
        let network: String, size: Int, threads: Int
        let swift_s: Double, swift_cpu_s: Double, swift_runs_s: [Double]
        let ort_s: Double?, openvino_s: Double?, ncnn_s: Double?
        let swift_over_ort: Double?, swift_over_openvino: Double?, swift_over_ncnn: Double?
        let swift_over_fastest_ort_openvino: Double?
        /// With `--rounds` above 1: each round's Swift median over that round's faster anchor, and their median.
        let swift_over_fastest_by_round: [Double]?, swift_over_fastest_median_of_rounds: Double?
        let gflops_effective: Double
    }
    struct Kernel: Encodable {
        let isa: String, block: String
        let kernel_gflops: Double, fma_peak_gflops: Double, fraction_of_peak: Double
        let tile_block: String, tile_gflops: Double, tile_fraction_of_peak: Double
    }
    struct Blend: Encodable {
        let threads: Int, parameters: Int
        let prepare_ms: Double, alpha_to_ready_ms: Double, forced_blend_ms: Double, state_dict_blend_ms: Double
        let first_run_overhead_ms: Double, pair_mib: Double, blended_network_mib: Double
    }
    let machine: MachineInfo
    let kernel: Kernel?
    /// Network interpolation of the first bench configuration's pair (``BlendBenchResult``), ms and MiB.
    let blend: Blend?
    let configurations: [Row]

    init(machine: MachineInfo, kernel: KernelBenchmark.Result?, blend: BlendBenchResult?, results: [BenchResult]) {
        self.machine = machine
        self.blend = blend.map {
            Blend(threads: $0.threads, parameters: $0.parameters, prepare_ms: $0.prepareSeconds * 1e3,
                  alpha_to_ready_ms: $0.readySeconds * 1e3, forced_blend_ms: $0.forcedSeconds * 1e3,
                  state_dict_blend_ms: $0.stateDictSeconds * 1e3,
                  first_run_overhead_ms: $0.firstRunOverheadSeconds * 1e3,
                  pair_mib: Double($0.pairBytes) / 1_048_576,
                  blended_network_mib: Double($0.blendedNetworkBytes) / 1_048_576)
        }
        self.kernel = kernel.map {
            Kernel(isa: $0.isa.rawValue, block: $0.isa.blockDescription, kernel_gflops: $0.kernelGFLOPs,
                   fma_peak_gflops: $0.peakGFLOPs, fraction_of_peak: $0.fractionOfPeak,
                   tile_block: $0.isa.tileDescription, tile_gflops: $0.tileGFLOPs,
                   tile_fraction_of_peak: $0.tileFractionOfPeak)
        }
        configurations = results.map { r in
            Row(network: r.network, size: r.size, threads: r.threads, swift_s: r.seconds, swift_cpu_s: r.cpuSeconds,
                swift_runs_s: r.runs, ort_s: r.anchors[.onnxRuntime]?.wall,
                openvino_s: r.anchors[.openVINO]?.wall, ncnn_s: r.anchors[.ncnn]?.wall,
                swift_over_ort: r.anchors[.onnxRuntime].map { r.seconds / $0.wall },
                swift_over_openvino: r.anchors[.openVINO].map { r.seconds / $0.wall },
                swift_over_ncnn: r.anchors[.ncnn].map { r.seconds / $0.wall },
                swift_over_fastest_ort_openvino: r.overFastestOrtOrOpenVINO,
                swift_over_fastest_by_round: r.roundRatios.count > 1 ? r.roundRatios : nil,
                swift_over_fastest_median_of_rounds: r.roundRatios.count > 1 ? median(r.roundRatios) : nil,
                gflops_effective: r.gflops)
        }
    }

    /// The report as pretty-printed JSON with sorted keys.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
