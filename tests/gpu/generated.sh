#!/usr/bin/env bash
# The differential check over many generated programs (tests/programs/
# generate.py), in batches of 300 per seed: the cpu target's results are
# computed here, the GPU's there, and every program must agree.
#   here:       bash tests/gpu/generated.sh prepare 2 8   (seeds 2..8)
#               -> build/gpu-generated/generated.tar.xz (carry build/gpu-generated)
#   on the GPU: bash tests/gpu/generated.sh check         (after tests/gpu/run.sh built
#               the runtime, or it builds it; carry build/gpu too)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$root/build/gpu-generated
case "${1:-}" in
prepare)
  first=${2:?first seed}; last=${3:?last seed}
  work=$root/build/gen
  rm -rf "$work" "$out" && mkdir -p "$work" "$out"
  for seed in $(seq "$first" "$last"); do
    /usr/bin/python3 "$root/tests/gpu/differential.py" prepare "$work/gen$seed" \
      --generated 300 --seed "$seed" --only-generated | { grep -v "^prepared" || true; }
  done
  # The sources stay here: the GPU needs the PTX, the inputs and the results.
  tar --exclude=generated -cJf "$out/generated.tar.xz" -C "$work" $(cd "$work" && ls)
  du -sh "$out"
  ;;
check)
  gpu=$root/build/gpu
  if [ ! -f "$gpu/runtime/libtilec_cuda.so" ]; then
    cmake -S "$root/runtime/cuda" -B "$gpu/runtime" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS="-I$gpu/include" >/dev/null
    cmake --build "$gpu/runtime" -j >/dev/null
  fi
  work=$(mktemp -d)
  tar -xJf "$out/generated.tar.xz" -C "$work"
  status=0 total=0 bad=0
  for batch in "$work"/gen*; do
    log=$(python3 "$root/tests/gpu/differential.py" check "$batch" \
            --lib "$gpu/runtime/libtilec_cuda.so") || status=1
    grep "^BAD" <<<"$log" || true
    total=$((total + $(grep -cE "^(ok |BAD)" <<<"$log")))
    bad=$((bad + $(grep -c "^BAD" <<<"$log" || true)))
  done
  echo "generated programs: $((total - bad)) of $total agree with the cpu target"
  exit $status
  ;;
*)
  echo "usage: $0 prepare FIRST_SEED LAST_SEED | check" >&2
  exit 2
  ;;
esac
