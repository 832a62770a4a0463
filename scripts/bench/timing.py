"""The command line, timing loop and result row shared by ort_bench.py and ncnn_bench.py."""
import argparse
import statistics
import sys
import time


def timed(net, size, threads, repeats, once):
    """Times `once()` `repeats` times (after the caller's warm-up); returns the JSON result row
    (wall and process-CPU medians, every wall time) and logs the median on stderr."""
    runs, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        once()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"{net} {size} t={threads}: {statistics.median(runs):.3f} s", file=sys.stderr)
    return {"net": net, "size": size, "threads": threads, "median_s": statistics.median(runs),
            "runs_s": runs, "median_cpu_s": statistics.median(cpu)}


def arguments():
    """--nets, --sizes, --threads (comma lists) and --repeats, as both scripts take them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--nets", default="rrdbnet,msrresnet")
    ap.add_argument("--sizes", default="64,128")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    return ap.parse_args()
