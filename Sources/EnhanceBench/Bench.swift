// Benchmarks: timing of networks against onnxruntime (see scripts/bench).
