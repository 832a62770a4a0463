#!/usr/bin/env python3
"""Times OpenVINO (CPU plugin, FP32, latency hint) on the same ONNX graphs as ort_bench.py and
prints JSON on stdout in the same shape (`median_s`, `median_cpu_s`, `runs_s` per network, size and
thread count).

The graphs come from ort_bench.graph: RRDBNet-23 and MSRResNet-16 built with the onnx helper API,
the spandrel families from the files export_onnx.py writes. Threads are set with
INFERENCE_NUM_THREADS; inference precision is pinned to f32 (the CPU plugin would otherwise pick
bf16 on CPUs that have it).

    pip install -r scripts/bench/requirements.txt
    python3 scripts/bench/openvino_bench.py --nets rrdbnet,span --sizes 128 --threads 1,2 --repeats 3
"""
import json
import sys

import numpy as np
import openvino as ov

from ort_bench import graph
from timing import arguments, timed


def main():
    a = arguments()
    core = ov.Core()
    results = []
    for net in a.nets.split(","):
        for s in [int(v) for v in a.sizes.split(",")]:
            model = core.read_model(graph(net, s), b"")
            model.reshape({model.inputs[0].get_any_name(): [1, 3, s, s]})
            x = np.random.default_rng(3).uniform(0, 1, (1, 3, s, s)).astype(np.float32)
            for t in [int(v) for v in a.threads.split(",")]:
                compiled = core.compile_model(model, "CPU", {
                    "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": t,
                    "INFERENCE_PRECISION_HINT": "f32", "NUM_STREAMS": 1})
                request = compiled.create_infer_request()
                request.infer({0: x})  # warm-up
                results.append(timed(net, s, t, a.repeats, lambda: request.infer({0: x})))
    json.dump({"engine": "openvino", "version": ov.__version__, "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
