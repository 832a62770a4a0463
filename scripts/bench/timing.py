"""The timing loop and result row shared by ort_bench.py and ncnn_bench.py."""
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
