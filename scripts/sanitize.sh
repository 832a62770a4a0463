#!/usr/bin/env bash
# `make sanitize`: the whole XCTest suite under ThreadSanitizer, then under AddressSanitizer, each in
# its own build folder (.build-tsan, .build-asan). Prints per sanitizer: tests run, failures and
# sanitizer reports; exits non-zero if any test failed or any report was printed.
#   scripts/sanitize.sh [thread|address ...]   (default: thread address)
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
status=0
for san in "${@:-thread address}"; do
  for s in $san; do
    dir=.build-${s:0:1}san
    log=$dir/sanitize.log
    mkdir -p "$dir"
    echo "sanitize: building with --sanitize=$s in $dir" >&2
    if ! $SWIFT build --build-tests --sanitize="$s" --scratch-path "$dir" >"$dir/build.log" 2>&1; then
      tail -20 "$dir/build.log" >&2; status=1; continue
    fi
    # Leak checking is off: Swift multi-payload enums keep tags in pointer spare bits, which
    # LeakSanitizer cannot follow (live objects reported as leaks).
    # The CLI and tmux tests run the sanitized `enhance` too (ENHANCE_BIN).
    bin=$($SWIFT build --sanitize="$s" --scratch-path "$dir" --show-bin-path)/enhance
    ENHANCE_BIN=$bin ENHANCE_SANITIZER=$s TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0} ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
      $SWIFT test --skip-build --sanitize="$s" --scratch-path "$dir" --disable-swift-testing >"$log" 2>&1
    rc=$?
    tests=$(grep -E "^\s*Executed [0-9]+ tests?," "$log" | tail -1 | sed -E 's/^\s*//')
    reports=$(grep -cE "WARNING: ThreadSanitizer|ERROR: AddressSanitizer" "$log")
    echo "sanitize $s: ${tests:-no test summary} — $reports sanitizer report(s), exit $rc (log $log)"
    if [[ $rc -ne 0 || $reports -ne 0 ]]; then status=1; fi
  done
done
exit $status
