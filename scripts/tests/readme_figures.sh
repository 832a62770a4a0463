#!/usr/bin/env bash
# Measures the README's build and test figures on a fresh clone of this repository's HEAD, the way a
# new user meets them: `make test` (first debug build, then the whole suite), then `make build` (the
# first release build of `make run`). Prints the lines the README's "Last results" quote, dated.
#
# Usage: scripts/tests/readme_figures.sh [WORKDIR]   (default: a new folder under /tmp; ../shared is
# linked beside the clone, as CI has it). Takes the machine for 10-20 min on 2 cores.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d /tmp/enhance-figures-XXXXXX)}
git clone -q "$src" "$work/enhance"
if [ -d "$src/../shared" ] && [ ! -e "$work/shared" ]; then ln -s "$(cd "$src/../shared" && pwd)" "$work/shared"; fi
cd "$work/enhance"

clock() { date +%s; }
span() { local s=$(( $2 - $1 )); printf '%d min %d s' $((s / 60)) $((s % 60)); }

t0=$(clock)
status=0
make test > make-test.log 2>&1 || status=$?
t1=$(clock)
make build > make-build.log 2>&1
t2=$(clock)

# The debug build's own time, as SwiftPM reports it ("Build complete! (N s)") before the tests run.
debug_s=$(grep -m1 -o 'Build complete! ([0-9.]*s)' make-test.log | grep -o '[0-9.]*' || echo '?')
summary=$(grep -E "Executed [0-9]+ tests?, with" make-test.log | tail -1 | sed 's/^[[:space:]]*//')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "date: $(date -u +%F) (UTC), commit $(git rev-parse --short HEAD), $(nproc) cores: $cpu"
echo "make test from a fresh clone: $(span "$t0" "$t1") (first debug build ${debug_s} s), exit status $status"
echo "suite: $summary"
echo "make build (first release build, after make test): $(span "$t1" "$t2")"
echo "logs: $work/enhance/make-test.log, make-build.log"
