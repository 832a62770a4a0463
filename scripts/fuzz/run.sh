#!/usr/bin/env bash
# libFuzzer targets for every input surface, built with `swiftc -sanitize=fuzzer,address` straight
# from the module sources (no Package.swift change).
#
#   scripts/fuzz/run.sh --list              names the targets
#   scripts/fuzz/run.sh TARGET SECONDS      builds TARGET, fuzzes it for SECONDS; exit ≠ 0 on a finding
#   scripts/fuzz/run.sh --build TARGET      builds only
#
# Seeds: scripts/fuzz/corpus/TARGET (committed, small). The growing corpus, findings (crash-*,
# leak-*, timeout-*, oom-*) and the log live in .build/fuzz/TARGET. SWIFTC overrides the compiler.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/scripts/fuzz
OUT=$ROOT/.build/fuzz
MODS=$OUT/modules
SWIFTC=${SWIFTC:-swiftc}
CLANG=${CLANG:-$(dirname "$(command -v "$SWIFTC")")/clang}
SAN=(-sanitize=fuzzer,address)

# target → modules it links (in dependency order)
declare -A NEEDS=(
  [png]="EnhanceImaging"
  [jpeg]="EnhanceImaging"
  [safetensors]="EnhanceCheckpoints"
  [pth]="EnhanceCheckpoints"
  [ncnn]="EnhanceCheckpoints"
  [detect]="EnhanceTensor EnhanceCheckpoints EnhanceImaging EnhanceNetworks"
  [tui]="EnhanceTensor EnhanceCheckpoints EnhanceImaging EnhanceNetworks EnhanceTerminal EnhanceTUI"
)
TARGETS=(png jpeg safetensors pth ncnn detect tui)

usage() { echo "usage: $0 --list | TARGET SECONDS | --build TARGET" >&2; exit 2; }

# Rebuilds $1 when a source (or a module it imports) is newer than its object.
build_cimageio() {
  local obj=$MODS/CImageIO.a
  if [[ -f $obj && -z $(find "$ROOT/Sources/CImageIO" -newer "$obj" -type f | head -1) ]]; then return; fi
  mkdir -p "$MODS/cimageio"
  for c in "$ROOT"/Sources/CImageIO/*.c; do
    "$CLANG" -c -O1 -g -fsanitize=fuzzer-no-link,address -I "$ROOT/Sources/CImageIO/include" \
      "$c" -o "$MODS/cimageio/$(basename "$c" .c).o"
  done
  ar rcs "$obj" "$MODS"/cimageio/*.o
}

build_module() {
  local m=$1 obj=$MODS/$1.o
  if [[ -f $obj && -z $(find "$ROOT/Sources/$m" "$MODS" -maxdepth 1 -newer "$obj" \
        \( -name '*.swift' -o -name '*.swiftmodule' \) | head -1) ]]; then return; fi
  local extra=()
  if [[ $m == EnhanceImaging ]]; then
    extra=(-Xcc -I"$ROOT/Sources/CImageIO/include" -I "$ROOT/Sources/CImageIO/include"
           -Xcc -fmodule-map-file="$ROOT/Sources/CPNG/module.modulemap"
           -Xcc -fmodule-map-file="$ROOT/Sources/CJPEG/module.modulemap")
    printf 'module CImageIO {\n  header "%s"\n  export *\n}\n' \
      "$ROOT/Sources/CImageIO/include/imageio.h" > "$MODS/module.modulemap"
  fi
  # as in Package.swift: SHA-256 may use the x86 SHA extensions (checked at run time)
  [[ $m == EnhanceCheckpoints && $(uname -m) == x86_64 ]] && extra=(-Xcc -march=native -Xcc -msha)
  echo "fuzz: compiling $m" >&2
  "$SWIFTC" -parse-as-library -module-name "$m" -swift-version 6 -O -g -enable-testing "${SAN[@]}" \
    -wmo -I "$MODS" "${extra[@]}" -emit-module -emit-module-path "$MODS/$m.swiftmodule" \
    -c -o "$obj" "$ROOT"/Sources/"$m"/*.swift
}

build_target() {
  local t=$1 mods=${NEEDS[$1]:-}
  [[ -n $mods ]] || { echo "fuzz: unknown target '$t' (try --list)" >&2; exit 2; }
  mkdir -p "$MODS"
  local objs=() libs=()
  [[ $mods == *EnhanceImaging* ]] && build_cimageio
  for m in $mods; do build_module "$m"; objs+=("$MODS/$m.o"); done
  [[ $mods == *EnhanceImaging* ]] && { objs+=("$MODS/CImageIO.a"); libs=(-lpng16 -ljpeg); }
  local exe=$OUT/$t/fuzz-$t
  mkdir -p "$OUT/$t"
  if [[ -f $exe && -z $(find "$HERE/targets" "${objs[@]}" -newer "$exe" | head -1) ]]; then return; fi
  echo "fuzz: linking $t" >&2
  "$SWIFTC" -parse-as-library -module-name "Fuzz_$t" -swift-version 6 -O -g "${SAN[@]}" -use-ld=lld \
    -I "$MODS" -Xcc -fmodule-map-file="$ROOT/Sources/CPNG/module.modulemap" \
    -Xcc -fmodule-map-file="$ROOT/Sources/CJPEG/module.modulemap" \
    "$HERE/targets/$t.swift" "$HERE/targets/FuzzInput.swift" "${objs[@]}" "${libs[@]}" -o "$exe"
}

case ${1:-} in
  --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
  --build) [[ $# -eq 2 ]] || usage; build_target "$2"; echo "$OUT/$2/fuzz-$2"; exit 0 ;;
  ""|-*) usage ;;
esac
[[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || usage
T=$1 SECS=$2
build_target "$T"
DIR=$OUT/$T
mkdir -p "$DIR/corpus" "$DIR/findings"
LOG=$DIR/fuzz-$(date +%Y%m%d-%H%M%S).log
STAMP=$DIR/.started
touch "$STAMP"
set +e
"$DIR/fuzz-$T" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$DIR/findings/" "$DIR/corpus" "$HERE/corpus/$T" >"$LOG" 2>&1
rc=$?
set -e
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOG" | grep -o '[0-9]*$' | tail -1)
cov=$(grep -oE '^#[0-9]+.*cov: [0-9]+' "$LOG" | tail -1 | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+')
findings=$(find "$DIR/findings" -type f -newer "$STAMP" | wc -l)
echo "fuzz $T: ${SECS}s, ${runs:-?} executions, ${cov:-?} edges, rc $rc, findings in $DIR/findings: $findings (log $LOG)"
if [[ $rc -ne 0 ]]; then tail -40 "$LOG" >&2; fi
exit $rc
