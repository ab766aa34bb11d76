"""On a GPU machine: FlashAttention's backward through tilec.ops.attention
(torch.autograd) against float64 PyTorch autograd on ragged random inputs
(MHA and GQA, causal and not, d 64 and 128), then its time against
PyTorch's SDPA backward (its best backend) in the same run. Needs the tilec
tool ($TILEC) to compile. Prints "training: ok" or raises."""

import os
import sys
import tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.environ.setdefault("TILEC_CACHE_DIR", tempfile.mkdtemp(prefix="tilec-cache-"))
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import tilec.ops  # noqa: E402
from tilec._profiler import do_bench  # noqa: E402


def reference(q, k, v, causal):
    """float64 attention on [batch, seq, heads, dim], bottom-right causal (K
    and V heads may differ: DiffQKV)."""
    k = k.repeat_interleave(q.shape[2] // k.shape[2], dim=2)
    v = v.repeat_interleave(q.shape[2] // v.shape[2], dim=2)
    scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / q.shape[-1] ** 0.5
    if causal:
        q_len, kv_len = q.shape[1], k.shape[1]
        visible = (torch.arange(kv_len, device=q.device)[None, :] <=
                   torch.arange(q_len, device=q.device)[:, None] + kv_len - q_len)
        scores = scores.masked_fill(~visible, float("-inf"))
    return torch.einsum("bhqk,bkhd->bqhd", scores.softmax(-1), v)


def compare(label, pairs):
    """The largest relative error of each (name, got, float64 reference);
    raises past 2e-2."""
    worst = 0.0
    for name, got, want in pairs:
        error = ((got.double() - want).abs().max() / want.abs().max()).item()
        worst = max(worst, error)
        assert error < 2e-2, f"{label} {name}: relative error {error:.3g}"
    return worst


def check(batch, q_len, kv_len, heads, kv_heads, dim, causal, dtype=torch.bfloat16,
          v_heads=None, dim_v=None):
    torch.manual_seed(0)
    v_heads, dim_v = v_heads or kv_heads, dim_v or dim
    q = torch.randn(batch, q_len, heads, dim, device="cuda", dtype=dtype, requires_grad=True)
    k = torch.randn(batch, kv_len, kv_heads, dim, device="cuda", dtype=dtype, requires_grad=True)
    v = torch.randn(batch, kv_len, v_heads, dim_v, device="cuda", dtype=dtype, requires_grad=True)
    grad = torch.randn(batch, q_len, heads, dim_v, device="cuda", dtype=dtype)
    if v_heads != kv_heads or dim_v != dim:
        out = tilec.ops.diffqkv_attention(q, k, v, causal=causal)
    else:
        out = tilec.ops.attention(q, k, v, causal=causal)
    out.backward(grad)
    q64, k64, v64 = (t.detach().double().requires_grad_() for t in (q, k, v))
    ref = reference(q64, k64, v64, causal)
    ref.backward(grad.double())
    worst = compare(f"attention ({batch}, {q_len}, {kv_len}, {heads}/{kv_heads}, {dim}, "
                    f"causal={causal})", (("out", out, ref), ("dq", q.grad, q64.grad),
                                          ("dk", k.grad, k64.grad), ("dv", v.grad, v64.grad)))
    print(f"training: b{batch} q{q_len} kv{kv_len} h{heads}/{kv_heads}/{v_heads} d{dim}/{dim_v} "
          f"causal={causal} max rel err {worst:.2e}")


def check_block_sparse(batch, seq, heads, kv_heads, dim, causal, block=64, max_selected=3):
    torch.manual_seed(2)
    blocks = -(-seq // block)
    indices = torch.zeros(batch, kv_heads, blocks, max_selected, dtype=torch.int32)
    counts = torch.zeros(batch, kv_heads, blocks, dtype=torch.int32)
    allowed = torch.zeros(batch, kv_heads, seq, seq, dtype=torch.bool)
    for b in range(batch):
        for g in range(kv_heads):
            for i in range(blocks):
                limit = i + 1 if causal else blocks
                chosen = torch.randperm(limit)[:int(torch.randint(1, min(max_selected, limit) + 1,
                                                                  ()))].tolist()
                if causal and i not in chosen:
                    chosen[-1] = i
                chosen = sorted(chosen)
                indices[b, g, i, :len(chosen)] = torch.tensor(chosen, dtype=torch.int32)
                counts[b, g, i] = len(chosen)
                for j in chosen:
                    allowed[b, g, i * block:(i + 1) * block, j * block:(j + 1) * block] = True
    if causal:
        allowed &= torch.ones(seq, seq, dtype=torch.bool).tril()
    q = torch.randn(batch, seq, heads, dim, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    k = torch.randn(batch, seq, kv_heads, dim, device="cuda", dtype=torch.bfloat16,
                    requires_grad=True)
    v = torch.randn_like(k, requires_grad=True)
    grad = torch.randn_like(q)
    out = tilec.ops.block_sparse_attention(q, k, v, indices.cuda(), counts.cuda(), causal=causal,
                                           block=block)
    out.backward(grad)
    q64, k64, v64 = (t.detach().double().requires_grad_() for t in (q, k, v))
    groups = heads // kv_heads
    scores = torch.einsum("bqhd,bkhd->bhqk", q64, k64.repeat_interleave(groups, dim=2)) / dim ** 0.5
    mask = allowed.cuda().repeat_interleave(groups, dim=1)
    ref = torch.einsum("bhqk,bkhd->bqhd", scores.masked_fill(~mask, float("-inf")).softmax(-1),
                       v64.repeat_interleave(groups, dim=2))
    ref.backward(grad.double())
    worst = compare("block-sparse", (("out", out, ref), ("dq", q.grad, q64.grad),
                                 ("dk", k.grad, k64.grad), ("dv", v.grad, v64.grad)))
    print(f"training: block-sparse b{batch} s{seq} h{heads}/{kv_heads} d{dim} causal={causal} "
          f"max rel err {worst:.2e}")


def check_retention(batch, seq, heads, dk, dv, recompute_states=False):
    torch.manual_seed(1)
    q, k = (torch.randn(batch, seq, heads, dk, device="cuda", dtype=torch.bfloat16,
                        requires_grad=True) for _ in range(2))
    v = torch.randn(batch, seq, heads, dv, device="cuda", dtype=torch.bfloat16,
                    requires_grad=True)
    grad = torch.randn(batch, seq, heads, dv, device="cuda", dtype=torch.bfloat16)
    out = tilec.ops.retention(q, k, v, recompute_states=recompute_states)
    out.backward(grad)
    q64, k64, v64 = (t.detach().double().requires_grad_() for t in (q, k, v))
    gamma = 1 - 2.0 ** (-5 - torch.arange(heads, device="cuda", dtype=torch.float64))
    t = torch.arange(seq, device="cuda", dtype=torch.float64)
    decay = torch.where(t[:, None] >= t[None, :],
                        gamma[:, None, None] ** (t[:, None] - t[None, :]).clamp(min=0), 0.0)
    ref = torch.einsum("bqhd,bkhd->bhqk", q64, k64) / dk ** 0.5 * decay
    ref = torch.einsum("bhqk,bkhe->bqhe", ref, v64)
    ref.backward(grad.double())
    worst = compare("retention", (("out", out, ref), ("dq", q.grad, q64.grad),
                                 ("dk", k.grad, k64.grad), ("dv", v.grad, v64.grad)))
    print(f"training: retention b{batch} s{seq} h{heads} dk{dk} dv{dv}"
          f"{' (states recomputed)' if recompute_states else ''} max rel err {worst:.2e}")


def median_ms(fn):
    return do_bench(fn, warmup=5, rep=50, return_mode="median")


def bench(batch, seq, heads, kv_heads, dim, causal):
    """The backward pass alone: tilec's kernels and SDPA's, in one run."""
    q = torch.randn(batch, seq, heads, dim, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    k = torch.randn(batch, seq, kv_heads, dim, device="cuda", dtype=torch.bfloat16,
                    requires_grad=True)
    v = torch.randn_like(k, requires_grad=True)
    grad = torch.randn_like(q)
    out = tilec.ops.attention(q, k, v, causal=causal)
    ours = median_ms(lambda: torch.autograd.grad(out, (q, k, v), grad, retain_graph=True))
    qt, kt, vt = (t.detach().transpose(1, 2).contiguous().requires_grad_() for t in (q, k, v))
    ref = F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal,
                                         enable_gqa=heads != kv_heads)
    theirs = median_ms(lambda: torch.autograd.grad(ref, (qt, kt, vt), grad.transpose(1, 2),
                                                   retain_graph=True))
    flops = 2.5 * 4 * batch * heads * seq * seq * dim * (0.5 if causal else 1.0)
    print(f"training: backward b{batch} s{seq} h{heads}/{kv_heads} d{dim} causal={causal}: "
          f"tilec {ours:.3f} ms ({flops / ours / 1e9:.0f} TFLOP/s), SDPA {theirs:.3f} ms "
          f"({flops / theirs / 1e9:.0f} TFLOP/s), ratio {theirs / ours:.2f}")


def sweep_tiles(batch=4, seq=4096, heads=16, dim=128):
    """The hand-written backward kernel at other tiles (fewer dQ atomics
    with wider key blocks), each checked against the 64x64 one's gradients."""
    torch.manual_seed(2)
    q, k, v, do = (torch.randn(batch, seq, heads, dim, device="cuda", dtype=torch.bfloat16)
                   for _ in range(4))
    path = os.path.join(os.path.dirname(tilec.ops.__file__), "..", "..", "..", "kernels",
                        "flash_attention_bwd.tl")
    forward = tilec.compile(path, "flash_attention_lse", defines=dict(dim=dim))
    out, lse = torch.empty_like(q), torch.empty(batch, heads, seq, device="cuda")
    forward(q, k, v, out, lse)
    flops = 2.5 * 4 * batch * heads * seq * seq * dim
    reference = None
    tiles = ((64, 64, 2), (64, 128, 1), (64, 128, 2), (128, 64, 2))
    if dim <= 64:
        tiles += ((128, 128, 2),)
    for block_M, block_N, stages in tiles:
        kernel = tilec.compile(path, "flash_attention_bwd", defines=dict(
            dim=dim, block_M=block_M, block_N=block_N, num_stages=stages))
        grads = [torch.empty_like(q) for _ in range(3)]
        kernel(q, k, v, out, do, lse, *grads)
        if reference is None:
            reference = grads
        error = max(((g.float() - r.float()).abs().max() / r.float().abs().max()).item()
                    for g, r in zip(grads, reference))
        ms = median_ms(lambda: kernel(q, k, v, out, do, lse, *grads))
        print(f"training: backward d{dim} tiles {block_M}x{block_N} stages {stages}: {ms:.3f} ms "
              f"({flops / ms / 1e9:.0f} TFLOP/s), differs from 64x64 by {error:.1e}")


FEATURES = ("warp-specialize", "wgmma-overlap", "vector-atomics", "bulk-reductions")
FEATURE_VARIANTS = {  # name: the code-generation features left out
    "none": FEATURES,
    **{name: tuple(f for f in FEATURES if f != name) for name in FEATURES},
    "all": (),
}


def ab_features(rounds=3):
    """The hand-written backward built with none of, each of and all of: a
    producer warpgroup loading the query tiles (warp-specialize), wgmma
    groups left in flight (wgmma-overlap), paired float32 atomics
    (vector-atomics), dQ added through shared memory by bulk reductions
    (bulk-reductions); timed interleaved in rounds (the median of each
    round's medians); each build's gradients against the one with none."""
    path = os.path.join(root, "kernels", "flash_attention_bwd.tl")
    for batch, seq, heads, kv_heads, dim, causal in ((4, 4096, 16, 16, 128, False),
                                                     (4, 4096, 16, 16, 128, True),
                                                     (4, 4096, 16, 16, 64, False),
                                                     (2, 4096, 32, 8, 128, True)):
        torch.manual_seed(3)
        q, do = (torch.randn(batch, seq, heads, dim, device="cuda", dtype=torch.bfloat16)
                 for _ in range(2))
        k, v = (torch.randn(batch, seq, kv_heads, dim, device="cuda", dtype=torch.bfloat16)
                for _ in range(2))
        defines = dict(dim=dim, groups=heads // kv_heads, is_causal=causal)
        forward = tilec.compile(path, "flash_attention_lse", defines=defines)
        out, lse = torch.empty_like(q), torch.empty(batch, heads, seq, device="cuda")
        forward(q, k, v, out, lse)
        kernels = {name: tilec.compile(path, "flash_attention_bwd", defines=defines,
                                       disable=left_out)
                   for name, left_out in FEATURE_VARIANTS.items()}
        grads = {name: [torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)]
                 for name in kernels}
        for name, kernel in kernels.items():
            kernel(q, k, v, out, do, lse, *grads[name])
        base = grads["none"]
        errors = {name: max(((g.float() - r.float()).abs().max() / r.float().abs().max()).item()
                            for g, r in zip(grads[name], base)) for name in kernels}
        times = {name: [] for name in kernels}
        for _ in range(rounds):
            for name, kernel in kernels.items():
                times[name].append(median_ms(lambda: kernel(q, k, v, out, do, lse,
                                                            *grads[name])))
        ms = {name: sorted(t)[len(t) // 2] for name, t in times.items()}
        flops = 2.5 * 4 * batch * heads * seq * seq * dim * (0.5 if causal else 1.0)
        cells = ", ".join(f"{name} {ms[name]:.3f} ms ({flops / ms[name] / 1e9:.0f} TFLOP/s, "
                          f"x{ms['none'] / ms[name]:.3f}, differs {errors[name]:.1e})"
                          for name in kernels)
        print(f"training: features b{batch} s{seq} h{heads}/{kv_heads} d{dim} "
              f"causal={causal}: {cells}")


def main():
    if "--tiles" in sys.argv:  # only the backward's tile sweeps
        sweep_tiles()
        sweep_tiles(dim=64)
        return
    if "--features" in sys.argv:  # only the code-generation features' A/B
        ab_features()
        return
    check(2, 77, 77, 4, 4, 64, False)
    check(2, 77, 77, 4, 4, 128, True)
    check(1, 45, 130, 8, 2, 128, True)
    check(2, 100, 100, 4, 1, 64, False, torch.float16)
    check(2, 150, 150, 32, 4, 128, True, v_heads=16, dim_v=256)  # DiffQKV
    check_retention(2, 300, 3, 64, 128)
    check_retention(1, 200, 2, 256, 512)  # FLA's largest head dims
    check_retention(2, 150, 2, 96, 160)  # head dims that leave partial blocks
    check_retention(2, 300, 3, 64, 128, recompute_states=True)
    check_block_sparse(2, 300, 8, 2, 128, True)
    check_block_sparse(1, 200, 4, 4, 64, False)
    if "--no-bench" not in sys.argv:
        bench(4, 4096, 16, 16, 128, False)
        bench(4, 4096, 16, 16, 128, True)
        bench(4, 4096, 16, 16, 64, False)
        bench(2, 4096, 32, 8, 128, True)
        sweep_tiles()
    print("training: ok")


if __name__ == "__main__":
    main()
