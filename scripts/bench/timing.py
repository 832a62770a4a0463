"""The command line, timing loop and result row shared by ort_bench.py, openvino_bench.py and
ncnn_bench.py.

With --serve (one network, size and thread count) the script times one run per line `run` read on
stdin, after the warm-up: it prints `{"ready": true}` once ready, then `{"s": wall, "cpu": cpu}` per
run, and its usual JSON when stdin ends. Each timed run follows an untimed one, so that it runs warm
(threads awake, weights cached) as in a loop although other engines ran in between. `enhance bench`
drives it so that the engines' runs alternate with its own and every engine sees the same drift of
the host's speed."""
import argparse
import json
import statistics
import sys
import time

SERVE = False


def timed(net, size, threads, repeats, once):
    """Times `once()` `repeats` times (after the caller's warm-up); returns the JSON result row
    (wall and process-CPU medians, every wall time) and logs the median on stderr."""
    runs, cpu = [], []

    def run():
        t0, c0 = time.perf_counter(), time.process_time()
        once()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)

    if SERVE:
        print(json.dumps({"ready": True}), flush=True)
        for line in iter(sys.stdin.readline, ""):
            if line.strip() == "run":
                once()
                run()
                print(json.dumps({"s": runs[-1], "cpu": cpu[-1]}), flush=True)
        if not runs:  # ended before any request: nothing timed
            return {"net": net, "size": size, "threads": threads, "median_s": None, "runs_s": [],
                    "median_cpu_s": None}
    else:
        for _ in range(repeats):
            run()
    print(f"{net} {size} t={threads}: {statistics.median(runs):.3f} s", file=sys.stderr)
    return {"net": net, "size": size, "threads": threads, "median_s": statistics.median(runs),
            "runs_s": runs, "median_cpu_s": statistics.median(cpu)}


def arguments():
    """--nets, --sizes, --threads (comma lists), --repeats and --serve, as every script takes them."""
    global SERVE
    ap = argparse.ArgumentParser()
    ap.add_argument("--nets", default="rrdbnet,msrresnet")
    ap.add_argument("--sizes", default="64,128")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--serve", action="store_true", help="time one run per line `run` on stdin")
    a = ap.parse_args()
    SERVE = a.serve
    return a
