"""Times retention's chunkwise forward built several ways against FLA's
chunk_retention, in one process, and profiles the training step.

    python3 tests/gpu/retention_builds.py [fwd] [bwd] [--shapes 0,2]

On a GPU machine with TILEC and TILEC_CUDA_LIB set (as for bench.py) and
FLA (fla-core) importable. For each shape (batch, seq, heads, dk, dv; FLA's
three benchmark shapes and one with dk = 64):
- fwd: FLA's forward; the one-pass kernel (retention_chunkwise); each
  build of retention_chunk_states (chunk, block_K x block_V, stages,
  states stored through shared memory or from registers, the chunks in
  one run or in several and a fix-up), then each build of retention_chunk_output after the fastest
  states build of its chunk, alone and together. Each output is checked
  against FLA's (largest difference over FLA's largest value). Times: CUDA
  events, the L2 flushed before each run, the median.
- bwd: tilec.ops.retention's and FLA's forward + backward (torch.autograd),
  their gradients compared, and each one's kernels as torch.profiler sees
  them (ms a step).
"""
import argparse
import os
import statistics
import sys
import tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.environ.setdefault("TILEC_CACHE_DIR", tempfile.mkdtemp(prefix="tilec-cache-"))
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import torch  # noqa: E402
import tilec  # noqa: E402
import tilec.ops  # noqa: E402
from tilec._bench import cuda_times  # noqa: E402

KERNELS = os.path.join(root, "kernels", "retention.tl")
SHAPES = [(4, 4096, 32, 256, 512), (8, 2048, 16, 128, 256), (2, 16384, 16, 128, 128),
          (8, 4096, 32, 64, 128)]
STATES = [dict(chunk=64, block_K=64, block_V=128), dict(chunk=64, block_K=64, block_V=128,
                                                       stage_state=False),
          dict(chunk=64, block_K=64, block_V=64, stage_state=False),
          dict(chunk=64, block_K=128, block_V=64, stage_state=False),
          dict(chunk=64, block_K=64, block_V=128, num_stages=3, stage_state=False),
          dict(chunk=64, block_K=64, block_V=128, segments=4, stage_state=False),
          dict(chunk=64, block_K=64, block_V=128, segments=4)]
OUTPUTS = [dict(chunk=64, block_V=128), dict(chunk=64, block_V=128, threads=256)]


def median_ms(fn, rep=40):
    return statistics.median(cuda_times(fn, warmup=5, rep=rep, flush_l2=True))


_built = {}


def build(name, **defines):
    """The kernel `name` of retention.tl with `defines`, or None (said so)
    where it does not compile."""
    key = (name, tuple(sorted(defines.items())))
    if key not in _built:
        try:
            _built[key] = tilec.compile(KERNELS, name, defines=defines)
        except Exception as error:  # a build that does not fit: reported, skipped
            print(f"  {name} {defines}: does not compile: {str(error)[:200]}")
            _built[key] = None
    return _built[key]


def profile(fn, label):
    from torch.profiler import ProfilerActivity, profile as torch_profile
    fn()
    torch.cuda.synchronize()
    with torch_profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(5):
            fn()
        torch.cuda.synchronize()
    rows = []
    for event in prof.key_averages():
        total = getattr(event, "device_time_total", 0) or getattr(event, "cuda_time_total", 0)
        if total > 0:
            rows.append((total / 5 / 1000, event.key[:60]))
    rows.sort(reverse=True)
    print(f"  {label} kernels: " + "; ".join(f"{name} {ms:.3f} ms" for ms, name in rows[:8]))


def forward_builds(shape, chunk_retention):
    batch, seq, heads, dk, dv = shape
    q = torch.randn(batch, seq, heads, dk, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(batch, seq, heads, dk, device="cuda", dtype=torch.bfloat16)
    v = torch.randn(batch, seq, heads, dv, device="cuda", dtype=torch.bfloat16)
    with torch.no_grad():
        want = chunk_retention(q, k, v)[0].float()
        fla = median_ms(lambda: chunk_retention(q, k, v)[0])
    largest = want.abs().max().item()
    print(f"  FLA forward {fla:.3f} ms")

    def difference(out):
        return (out.float() - want).abs().max().item() / largest

    one_pass = build("retention_chunkwise", dk=dk, dv=dv, block_V=min(64, dv))
    if one_pass is not None:
        out = torch.empty_like(v)
        ms = median_ms(lambda: one_pass(q, k, v, out), rep=10)
        print(f"  one pass: {ms:.3f} ms, difference {difference(out):.1e}, FLA / it "
              f"{fla / ms:.2f}")
    fastest = {}  # chunk -> (ms, defines, call)
    for defines in STATES:
        states_kernel = build("retention_chunk_states", dk=dk, dv=dv, **defines)
        if states_kernel is None:
            continue
        states = torch.empty(batch, heads, -(-seq // defines["chunk"]), dk, dv, device="cuda",
                             dtype=torch.bfloat16)
        call = (lambda kernel=states_kernel, states=states: kernel(k, v, states))
        ms = median_ms(call)
        print(f"  states {defines}: {ms:.3f} ms ({states.numel() * 2 / ms / 1e9:.2f} TB/s "
              "of states stored)")
        if defines["chunk"] not in fastest or ms < fastest[defines["chunk"]][0]:
            fastest[defines["chunk"]] = (ms, defines, call, states)
    for defines in OUTPUTS:
        if defines["chunk"] not in fastest:
            continue
        _, states_defines, states_call, states = fastest[defines["chunk"]]
        output_kernel = build("retention_chunk_output", dk=dk, dv=dv, **defines)
        if output_kernel is None:
            continue
        out = torch.full_like(v, float("nan"))
        ms = median_ms(lambda: output_kernel(q, k, v, states, out))
        states_call()
        output_kernel(q, k, v, states, out)
        both = median_ms(lambda: (states_call(), output_kernel(q, k, v, states, out)))
        print(f"  output {defines}: {ms:.3f} ms; after states {states_defines}: {both:.3f} ms, "
              f"difference {difference(out):.1e}, FLA / it {fla / both:.2f}")


def training_step(shape, chunk_retention):
    batch, seq, heads, dk, dv = shape
    q, k = (torch.randn(batch, seq, heads, dk, device="cuda", dtype=torch.bfloat16,
                        requires_grad=True) for _ in range(2))
    v = torch.randn(batch, seq, heads, dv, device="cuda", dtype=torch.bfloat16,
                    requires_grad=True)
    grad = torch.randn_like(v)

    def fla():
        return torch.autograd.grad(chunk_retention(q, k, v)[0], (q, k, v), grad)

    def ours():
        return torch.autograd.grad(tilec.ops.retention(q, k, v), (q, k, v), grad)

    fla_ms = median_ms(fla, rep=20)
    profile(fla, "FLA")
    # The states stored through shared memory, then from registers.
    for staged in (True, False):
        tilec.ops._RETENTION_STAGE_STATE = staged
        ours_ms = median_ms(ours, rep=20)
        differences = [((a.float() - b.float()).abs().max() / b.float().abs().max()).item()
                       for a, b in zip(ours(), fla())]
        print(f"  forward + backward: FLA {fla_ms:.3f} ms, tilec.ops.retention "
              f"(states {'through shared memory' if staged else 'from registers'}) "
              f"{ours_ms:.3f} ms, FLA / tilec {fla_ms / ours_ms:.2f}; dq, dk, dv differences "
              + ", ".join(f"{d:.1e}" for d in differences))
        profile(ours, "tilec")
    tilec.ops._RETENTION_STAGE_STATE = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("parts", nargs="*", default=["fwd", "bwd"])
    parser.add_argument("--shapes", help="indices into SHAPES, comma-separated")
    args = parser.parse_args()
    from fla.ops.retention import chunk_retention
    shapes = SHAPES if not args.shapes else [SHAPES[int(i)] for i in args.shapes.split(",")]
    print(torch.cuda.get_device_name())
    for shape in shapes:
        print("B{} T{} H{} K{} V{}".format(*shape), flush=True)
        torch.manual_seed(0)
        if "fwd" in args.parts:
            forward_builds(shape, chunk_retention)
        if "bwd" in args.parts:
            training_step(shape, chunk_retention)


if __name__ == "__main__":
    main()
