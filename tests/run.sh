#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the Catch2 unit
# tests, the lit/FileCheck suites (dialect, frontend, tools, kernels, the
# malformed-program corpus), 300 generated tile programs compiled for every
# target (ptxas-checked) and run on the cpu target, a time-bounded
# libFuzzer run over the frontend plus its regression inputs, and `pip
# install .` into a fresh virtual environment. Ends with "N passed, N
# failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TILEC_BUILD_DIR:-$root/build}
fuzz_build=${TILEC_FUZZ_BUILD_DIR:-$root/build-fuzz}
fuzz_seconds=${TILEC_FUZZ_SECONDS:-60}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths relative to the checkout: a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}

TILEC_WITH_FUZZER=1 bash "$root/tools/bootstrap.sh" || {
  echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

# Runs a Catch2 binary and counts its test cases.
run_catch2() {
  local log
  log=$(mktemp)
  "$1" 2>&1 | tee "$log" | tail -3
  if grep -q "All tests passed" "$log"; then
    count "$(sed -n 's/.*in \([0-9]*\) test case.*/\1/p' "$log" | tail -1)" 0
  else
    local line
    line=$(grep "^test cases:" "$log" | tail -1)
    if [ -n "$line" ]; then
      count "$(echo "$line" | sed -n 's/.*| *\([0-9]*\) passed.*/\1/p')" \
            "$(echo "$line" | sed -n 's/.*| *\([0-9]*\) failed.*/\1/p')"
    else
      count 0 1
    fi
  fi
  rm -f "$log"
}

echo "== unit tests"
run_catch2 "$build/tests/unit/tilec-unit-tests"

echo "== kernel numerics on the CPU target"
run_catch2 "$build/tests/numerics/tilec-kernel-tests"

echo "== lit"
lit_json=$(mktemp)
/usr/bin/python3 /usr/lib/llvm-22/bin/lit -sv "$build/tests" -o "$lit_json" | tail -8
read -r lit_pass lit_fail < <(/usr/bin/python3 - "$lit_json" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
ok = sum(t["code"] in ("PASS", "XFAIL") for t in tests)
print(ok, len(tests) - ok - sum(t["code"] == "UNSUPPORTED" for t in tests))
PY
)
count "${lit_pass:-0}" "${lit_fail:-1}"

echo "== generated programs: every target, or an expected located error"
generated=$build/generated-programs
rm -rf "$generated"
if /usr/bin/python3 "$root/tests/programs/generate.py" --seed 1 --count 300 --out "$generated"; then
  log=$(mktemp)
  /usr/bin/python3 "$root/tests/programs/check.py" "$generated" --tilec "$build/tools/tilec" \
    --jobs "$(nproc)" | tee "$log" | tail -20
  summary=$(tail -1 "$log")
  ok=$(sed -n 's/.* \([0-9]*\) compiled for.*/\1/p' <<<"$summary")
  expected=$(sed -n 's/.* \([0-9]*\) ended in an expected.*/\1/p' <<<"$summary")
  bad=$(sed -n 's/.* \([0-9]*\) failed$/\1/p' <<<"$summary")
  count "$(( ${ok:-0} + ${expected:-0} ))" "${bad:-1}"
  rm -f "$log"
else
  count 0 1
fi

echo "== fuzzing the frontend for ${fuzz_seconds}s"
fuzz_ok=0
if [ ! -f "$fuzz_build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$fuzz_build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DTILEC_ENABLE_FUZZER=ON >/dev/null
fi
if ninja -C "$fuzz_build" tilec-fuzz-frontend >/dev/null; then
  fuzzer="$fuzz_build/tests/fuzz/tilec-fuzz-frontend"
  corpus=$(mktemp -d)
  cp "$root"/kernels/*.tl "$root"/tests/diagnostics/*.tl "$root"/tests/lit/Frontend/*.tl \
    "$corpus"/
  for file in "$root"/kernels/attention/*.tl; do  # names that kernels/ has too
    cp "$file" "$corpus/attention_$(basename "$file")"
  done
  artifacts="$fuzz_build/artifacts/"
  mkdir -p "$artifacts"
  # Replay the regressions, then fuzz; a finding is kept in build-fuzz/artifacts.
  if "$fuzzer" "$root"/tests/fuzz/regressions/* >/dev/null 2>&1 &&
     "$fuzzer" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=4096 \
       -artifact_prefix="$artifacts" -print_final_stats=1 "$corpus" >"$fuzz_build/fuzz.log" 2>&1; then
    fuzz_ok=1
  fi
  grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Test unit written" "$fuzz_build/fuzz.log"
  finding=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$fuzz_build/fuzz.log" | tail -1)
  if [ $fuzz_ok = 0 ] && [ -n "$finding" ] && [ -f "$finding" ]; then
    # Print the input so that a CI log alone is enough to reproduce it.
    echo "the input, base64 (decode into tests/fuzz/regressions/ once fixed):"
    base64 -w 100 "$finding"
    # A timeout that a second run on its own does not repeat was the machine
    # stalling, not a slow input: a repeat within a tenth of the limit passes.
    case $(basename "$finding") in
    timeout-*)
      if timeout 5 "$fuzzer" -timeout=1 "$finding" >/dev/null 2>&1; then
        echo "the timeout did not repeat on its own (finishes in under 1 s): a stalled machine"
        fuzz_ok=1
      fi ;;
    esac
  fi
  rm -rf "$corpus"
fi
if [ $fuzz_ok = 1 ]; then count 1 0; else echo "fuzzing found a problem"; count 0 1; fi

echo "== pip install . (tools on PATH, import tilec from any folder)"
# Needs the package index (scikit-build-core, numpy); without it the step
# says so and counts nothing.
venv=$(mktemp -d)/venv
if python3 -m venv "$venv" >/dev/null 2>&1 &&
   "$venv/bin/pip" download --no-deps -q -d "$(dirname "$venv")/probe" scikit-build-core      >/dev/null 2>&1; then
  pip_log=$(dirname "$venv")/pip.log
  if "$venv/bin/pip" install -q "$root" >"$pip_log" 2>&1 &&
     (cd "$(dirname "$venv")" && "$venv/bin/tilec" --version &&
      "$venv/bin/tilec" tune --help >/dev/null &&
      "$venv/bin/python" "$root/tests/python/installed.py"); then
    count 1 0
  else
    tail -20 "$pip_log"; echo "pip install . failed"; count 0 1
  fi
else
  echo "skipped: no package index here to fetch the build backend from"
fi
rm -rf "$(dirname "$venv")"

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
