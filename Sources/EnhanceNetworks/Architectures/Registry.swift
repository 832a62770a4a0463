extension NetworkRegistry {
    /// The families Enhance runs, one folder each under `Architectures/`. Detection tries them in
    /// this order (their conditions are disjoint); adding a family is one folder and one line here.
    static let families: [any NetworkArchitecture.Type] = [
        RRDBNet.self,
        MSRResNet.self,
        SRGAN.self,
        SRVGGNetCompact.self,
        SPAN.self,
        PLKSR.self, RealPLKSR.self,
        RealCUGAN.self,
        RCAN.self,
        SwinIR.self,
        HAT.self,
        DAT.self,
    ]
}
