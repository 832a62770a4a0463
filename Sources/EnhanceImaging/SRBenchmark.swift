/// The standard super-resolution benchmark protocol (as in SRCNN/EDSR/ESRGAN papers).
public enum SRBenchmark {
    /// Evaluates an ×`scale` upscaler on one ground-truth image.
    ///
    /// HR (alpha dropped) → modcrop to a multiple of `scale` → LR = MATLAB-style antialiased bicubic
    /// downscale by 1/`scale`, rounded to 8 bits → SR = `upscale(LR)`, rounded to 8 bits → PSNR and
    /// SSIM on the Y channel against HR with `scale` pixels shaved from each border. With `grayscale`
    /// (HR came from a single-channel file, ``ImageInfo/isGrayscale``) gray values are compared (see
    /// ``Metrics``); a colour SR output for it is first reduced to BT.601 luma (0.299 R + 0.587 G +
    /// 0.114 B).
    /// - Returns: PSNR in dB, mean SSIM, and `detail`: the SR result's Y gradient energy divided
    ///   by the HR image's (``Metrics/gradientEnergyY(_:shave:grayscale:)``; 1 = as much
    ///   high-frequency energy as the ground truth, bicubic is well below 1).
    /// - Parameter lr: a given low-resolution input (e.g. a degraded copy of the set) used instead
    ///   of the bicubic downscale; it is rounded to 8 bits and must be the modcropped HR ÷ `scale`.
    public static func evaluate(hr: Image, lr given: Image? = nil, scale: Int, grayscale: Bool = false,
                                upscale: (Image) throws -> Image) rethrows
        -> (psnr: Double, ssim: Double, detail: Double) {
        let truth = hr.rgb.modcropped(to: scale).quantized(bits: 8)
        let lr = (given?.rgb ?? Resample.matlabBicubic(truth, scale: 1 / Double(scale))).quantized(bits: 8)
        precondition(lr.width * scale == truth.width && lr.height * scale == truth.height,
                     "LR is \(lr.width)x\(lr.height), expected \(truth.width / scale)x\(truth.height / scale)")
        var sr = try upscale(lr).rgb.quantized(bits: 8)
        if grayscale { sr = sr.grayscaled().quantized(bits: 8) }
        precondition(sr.width == truth.width && sr.height == truth.height,
                     "upscaler returned \(sr.width)x\(sr.height), expected \(truth.width)x\(truth.height)")
        let hrEnergy = Metrics.gradientEnergyY(truth, shave: scale, grayscale: grayscale)
        let srEnergy = Metrics.gradientEnergyY(sr, shave: scale, grayscale: grayscale)
        return (Metrics.psnrY(sr, truth, shave: scale, grayscale: grayscale),
                Metrics.ssimY(sr, truth, shave: scale, grayscale: grayscale),
                hrEnergy > 0 ? srEnergy / hrEnergy : 0)
    }
}
