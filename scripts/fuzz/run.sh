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
# EnhanceImaging imports the system-library modules; every importer needs their module maps.
CMAPS=(-Xcc -fmodule-map-file="$ROOT/Sources/CPNG/module.modulemap"
       -Xcc -fmodule-map-file="$ROOT/Sources/CJPEG/module.modulemap")

# target → modules it links (in dependency order)
NETWORKS="EnhanceSync EnhanceTensor EnhanceCheckpoints EnhanceImaging SwiftProtobuf EnhanceONNX EnhanceNetworks"
declare -A NEEDS=(
  [png]="EnhanceImaging"
  [jpeg]="EnhanceImaging"
  [safetensors]="EnhanceCheckpoints"
  [pth]="EnhanceCheckpoints"
  [ncnn]="EnhanceCheckpoints"
  [onnx]="EnhanceSync EnhanceTensor EnhanceCheckpoints SwiftProtobuf EnhanceONNX"
  [detect]="$NETWORKS"
  [tui]="$NETWORKS EnhanceTerminal EnhanceTUI"
)
TARGETS=(png jpeg safetensors pth ncnn onnx detect tui)

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

# build_module M DEP...: rebuilds M when one of its sources or a DEP's module is newer than its object.
build_module() {
  local m=$1 obj=$MODS/$1.o
  shift
  local srcs dir=$ROOT/Sources/$m
  # swift-protobuf (EnhanceONNX's one dependency) from SwiftPM's checkout of the pinned version.
  if [[ $m == SwiftProtobuf ]]; then
    dir=$ROOT/.build/checkouts/swift-protobuf/Sources/SwiftProtobuf
    [[ -d $dir ]] || (cd "$ROOT" && swift package resolve)
  fi
  mapfile -t srcs < <(find "$dir" -name '*.swift' | sort)  # sub-folders too (e.g. Graphics/)
  local inputs=("${srcs[@]}")
  for d in "$@"; do inputs+=("$MODS/$d.swiftmodule"); done
  if [[ -f $obj && -z $(find "${inputs[@]}" -newer "$obj" | head -1) ]]; then return; fi
  local extra=()
  # The C modules the Swift modules import (found through -I "$MODS"): the shim and the header that
  # tells EnhanceTensor which vector ISA it is compiled for.
  printf 'module CImageIO {\n  header "%s"\n  export *\n}\nmodule CVectorISA {\n  header "%s"\n  export *\n}\n' \
    "$ROOT/Sources/CImageIO/include/imageio.h" "$ROOT/Sources/CVectorISA/include/vector_isa.h" \
    > "$MODS/module.modulemap"
  if [[ $m == EnhanceImaging ]]; then
    extra=(-Xcc -I"$ROOT/Sources/CImageIO/include" -I "$ROOT/Sources/CImageIO/include")
  fi
  # as in Package.swift: the kernels are built for the host's vector ISA
  [[ $m == EnhanceTensor ]] && extra=(-Xcc -march=native)
  # as swift-protobuf's Package.swift
  [[ $m == SwiftProtobuf ]] && extra=(-enable-upcoming-feature ExistentialAny -package-name swift_protobuf)
  # as in Package.swift: SHA-256 may use the x86 SHA extensions (checked at run time)
  [[ $m == EnhanceCheckpoints && $(uname -m) == x86_64 ]] && extra=(-Xcc -march=native -Xcc -msha)
  echo "fuzz: compiling $m" >&2
  "$SWIFTC" -parse-as-library -module-name "$m" -swift-version 6 -O -g -enable-testing "${SAN[@]}" \
    -wmo -I "$MODS" "${CMAPS[@]}" "${extra[@]}" -emit-module -emit-module-path "$MODS/$m.swiftmodule" \
    -c -o "$obj" "${srcs[@]}"
}

# One build at a time (parallel runs share the module objects); the lock is released before fuzzing.
build_target() {
  [[ -n ${NEEDS[$1]:-} ]] || { echo "fuzz: unknown target '$1' (try --list)" >&2; exit 2; }
  mkdir -p "$MODS"
  exec 9>"$MODS/.lock"
  flock 9
  build_target_locked "$1"
  exec 9>&-
}

build_target_locked() {
  local t=$1 mods=${NEEDS[$1]}
  local objs=() libs=()
  [[ $mods == *EnhanceImaging* ]] && build_cimageio
  local done=()
  for m in $mods; do build_module "$m" "${done[@]}"; done+=("$m"); objs+=("$MODS/$m.o"); done
  [[ $mods == *EnhanceImaging* ]] && { objs+=("$MODS/CImageIO.a"); libs=(-lpng16 -ljpeg); }
  local exe=$OUT/$t/fuzz-$t
  mkdir -p "$OUT/$t"
  if [[ -f $exe && -z $(find "$HERE/targets" "${objs[@]}" -newer "$exe" | head -1) ]]; then return; fi
  echo "fuzz: linking $t" >&2
  "$SWIFTC" -parse-as-library -module-name "Fuzz_$t" -swift-version 6 -O -g "${SAN[@]}" -use-ld=lld \
    -I "$MODS" "${CMAPS[@]}" "$HERE/targets/$t.swift" "$HERE/targets/FuzzInput.swift" "${objs[@]}" "${libs[@]}" -o "$exe"
}

main() {
  case ${1:-} in
    --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
    --build) [[ $# -eq 2 ]] || usage; build_target "$2"; echo "$OUT/$2/fuzz-$2"; exit 0 ;;
    ""|-*) usage ;;
  esac
  [[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || usage
  local T=$1 SECS=$2 DIR LOG STAMP rc
  build_target "$T"
  DIR=$OUT/$T
  mkdir -p "$DIR/corpus" "$DIR/findings"
  LOG=$DIR/fuzz-$(date +%Y%m%d-%H%M%S).log
  STAMP=$DIR/.started
  touch "$STAMP"
  local started=$SECONDS TIMER=()
  rm -f "$DIR/cpu"
  # CPU seconds used (user + sys), when GNU time is there: on a shared machine wall time says little.
  [[ -x /usr/bin/time ]] && TIMER=(/usr/bin/time -o "$DIR/cpu" -f "%U %S")
  set +e
  # -timeout=60: on a loaded shared machine a process can sit descheduled for >10 s (such
  # "timeouts" were in fopen/fclose and re-ran in 0.1 s). Leak checking is off: Swift keeps multi-payload enum tags in pointer spare bits, so LeakSanitizer
  # cannot see references held in such enums (the TUI's render cache) and reports live tiles as leaks.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "${TIMER[@]}" "$DIR/fuzz-$T" -max_total_time="$SECS" -timeout=60 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536 \
    -detect_leaks=0 \
    -print_final_stats=1 -artifact_prefix="$DIR/findings/" "$DIR/corpus" "$HERE/corpus/$T" >"$LOG" 2>&1
  rc=$?
  set -e
  local runs cov findings
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOG" | grep -o '[0-9]*$' | tail -1 || true)
  cov=$(grep -oE '^#[0-9]+.*cov: [0-9]+' "$LOG" | tail -1 | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' || true)
  findings=$(find "$DIR/findings" -type f -newer "$STAMP" | wc -l)
  local cpu=?
  [[ -s $DIR/cpu ]] && cpu=$(awk 'END { printf "%.0f", $1 + $2 }' "$DIR/cpu")
  echo "fuzz $T: $((SECONDS - started)) s of ${SECS} (${cpu} CPU s), ${runs:-?} executions, ${cov:-?} edges, rc $rc, findings in $DIR/findings: $findings (log $LOG)"
  if [[ $rc -ne 0 ]]; then tail -40 "$LOG" >&2; fi
  exit $rc
}

# One line, parsed before it runs: editing this file while a run is going cannot derail it.
main "$@"; exit $?
