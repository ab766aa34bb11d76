"""On a GPU machine: the attention template's instances (kernels/attention/)
through tilec.ops.attention_variant / decode_variant, first against float64
PyTorch on ragged random inputs (forward, gradients, decoding), then their
time against the project's hand-written kernels, SDPA and FlexAttention
(torch.compile'd, same masks and score modifications) in the same run.
Needs the tilec tool ($TILEC) to compile. Prints "attention template: ok"
or raises; --no-bench skips the timing; --features a,b times each
instance's backward with and without those code-generation features
instead."""

import math
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
from training import compare  # noqa: E402 - the same relative-error check


def causal(b, h, q, k):
    return q >= k


def variants(heads, kv_len, document_ids):
    """name -> (instance inputs, mask_mod, score_mod, normalisation), the mods
    in FlexAttention's form on broadcast index tensors."""
    slopes = torch.exp2(-8.0 * (torch.arange(heads, device="cuda") + 1) / heads)
    gammas = 1 - torch.exp2(-5.0 - torch.arange(heads, device="cuda", dtype=torch.float64))
    return {
        "dense": ({}, None, None, "softmax"),
        "causal": ({}, causal, None, "softmax"),
        "sliding_window": (dict(window=100),
                           lambda b, h, q, k: (q >= k) & (q - k < 100), None, "softmax"),
        "prefix_lm": (dict(prefix=77), lambda b, h, q, k: (k < 77) | (q >= k), None, "softmax"),
        "document": (dict(document_ids=document_ids),
                     lambda b, h, q, k: (q >= k) & (document_ids[b, q] == document_ids[b, k]),
                     None, "softmax"),
        "alibi": ({}, causal, lambda s, b, h, q, k: s - slopes[h] * (q - k), "softmax"),
        "softcap": (dict(cap=0.5), None, lambda s, b, h, q, k: 0.5 * torch.tanh(s / 0.5),
                    "softmax"),
        "sigmoid": (dict(bias=-math.log(kv_len)), None,
                    lambda s, b, h, q, k: s - math.log(kv_len), "sigmoid"),
        "retention": ({}, causal,
                      lambda s, b, h, q, k: s * gammas[h] ** (q - k).clamp(min=0), "none"),
    }


def reference(q, k, v, mask_mod, score_mod, normalization):
    """float64 attention on [batch, seq, heads, dim] with FlexAttention-style
    mods; positions count among the keys (queries are the last q_len)."""
    batch, q_len, heads, _ = q.shape
    kv_len = k.shape[1]
    k = k.repeat_interleave(heads // k.shape[2], dim=2)
    v = v.repeat_interleave(heads // v.shape[2], dim=2)
    scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / q.shape[-1] ** 0.5
    b = torch.arange(batch, device=q.device)[:, None, None, None]
    h = torch.arange(heads, device=q.device)[None, :, None, None]
    qi = (torch.arange(q_len, device=q.device) + kv_len - q_len)[None, None, :, None]
    ki = torch.arange(kv_len, device=q.device)[None, None, None, :]
    if score_mod is not None:
        scores = score_mod(scores, b, h, qi, ki)
    visible = (mask_mod(b, h, qi, ki) if mask_mod is not None
               else torch.ones_like(scores, dtype=torch.bool)).expand_as(scores)
    if normalization == "softmax":
        weights = scores.masked_fill(~visible, float("-inf")).softmax(-1).nan_to_num(0.0)
    elif normalization == "sigmoid":
        weights = torch.sigmoid(scores) * visible
    else:
        weights = scores * visible
    return torch.einsum("bhqk,bkhd->bqhd", weights, v)


def check(name, batch=2, q_len=300, kv_len=300, heads=4, kv_heads=2, dim=128):
    torch.manual_seed(0)
    document_ids = torch.cumsum(torch.rand(batch, kv_len, device="cuda") < 0.01, 1).int()
    inputs, mask_mod, score_mod, normalization = variants(heads, kv_len, document_ids)[name]
    if name == "retention":
        kv_heads = heads  # the instance is MHA
    shape = (batch, q_len, heads, dim), (batch, kv_len, kv_heads, dim)
    q = torch.randn(*shape[0], device="cuda", dtype=torch.bfloat16, requires_grad=True)
    k = torch.randn(*shape[1], device="cuda", dtype=torch.bfloat16, requires_grad=True)
    v = torch.randn(*shape[1], device="cuda", dtype=torch.bfloat16, requires_grad=True)
    grad = torch.randn_like(q)
    out = tilec.ops.attention_variant(name, q, k, v, **inputs)
    out.backward(grad)
    q64, k64, v64 = (t.detach().double().requires_grad_() for t in (q, k, v))
    ref = reference(q64, k64, v64, mask_mod, score_mod, normalization)
    ref.backward(grad.double())
    worst = compare(name, (("out", out, ref), ("dq", q.grad, q64.grad), ("dk", k.grad, k64.grad),
                           ("dv", v.grad, v64.grad)))
    print(f"attention template: {name} b{batch} q{q_len} kv{kv_len} h{heads}/{kv_heads} d{dim} "
          f"max rel err {worst:.2e}")


def check_decode(name, batch=3, kv_len=5000, heads=32, kv_heads=8, dim=128):
    torch.manual_seed(1)
    inputs, mask_mod, score_mod, normalization = variants(heads, kv_len, None)[name]
    q = torch.randn(batch, heads, dim, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(batch, kv_len, kv_heads, dim, device="cuda", dtype=torch.bfloat16)
    v = torch.randn_like(k)
    out = tilec.ops.decode_variant(name, q, k, v, **inputs)
    ref = reference(q[:, None].double(), k.double(), v.double(), mask_mod, score_mod,
                    normalization)[:, 0]
    worst = compare(name + " decode", (("out", out, ref),))
    print(f"attention template: {name} decode b{batch} L{kv_len} h{heads}/{kv_heads} "
          f"max rel err {worst:.2e}")


def ragged_cache(lengths, capacity, kv_heads, dim):
    """K and V of a cache of `capacity` positions holding lengths[b] of
    sequence b, NaN past them (which must not reach an output)."""
    k = torch.randn(len(lengths), capacity, kv_heads, dim, device="cuda", dtype=torch.bfloat16)
    v = torch.randn_like(k)
    for b, n in enumerate(lengths.tolist()):
        k[b, n:], v[b, n:] = float("nan"), float("nan")
    return k, v


def check_decode_cache(batch=3, capacity=5000, heads=32, kv_heads=8, dim=128):
    """Dense decoding over a cache of fixed capacity holding ragged
    sequences, NaN past each: every sequence against float64 over its own
    positions."""
    torch.manual_seed(2)
    lengths = torch.tensor([capacity, min(2345, capacity // 2 + 3), 1], device="cuda",
                           dtype=torch.int32)[:batch]
    q = torch.randn(batch, heads, dim, device="cuda", dtype=torch.bfloat16)
    k, v = ragged_cache(lengths, capacity, kv_heads, dim)
    out = tilec.ops.decode_variant("dense", q, k, v, lengths=lengths)
    worst = 0.0
    for b, n in enumerate(lengths.tolist()):
        ref = reference(q[b:b + 1, None].double(), k[b:b + 1, :n].double(),
                        v[b:b + 1, :n].double(), None, None, "softmax")[:, 0]
        worst = max(worst, compare("dense decode cache", (("out", out[b:b + 1], ref),)))
    print(f"attention template: dense decode over a cache of {capacity}, lengths "
          f"{lengths.tolist()} (NaN past them) max rel err {worst:.2e}")


def check_decode_tokens(tokens=37, batch=3, capacity=5000, heads=32, kv_heads=8, dim=128):
    """Several query tokens at the end of each cache (causal among them),
    ragged lengths, NaN past each: against float64 over each sequence."""
    torch.manual_seed(3)
    lengths = torch.tensor([capacity, 2345, tokens], device="cuda", dtype=torch.int32)[:batch]
    q = torch.randn(batch, tokens, heads, dim, device="cuda", dtype=torch.bfloat16)
    k, v = ragged_cache(lengths, capacity, kv_heads, dim)
    out = tilec.ops.decode_variant("causal", q, k, v, lengths=lengths)
    worst = 0.0
    for b, n in enumerate(lengths.tolist()):
        ref = reference(q[b:b + 1].double(), k[b:b + 1, :n].double(), v[b:b + 1, :n].double(),
                        causal, None, "softmax")
        worst = max(worst, compare("causal decode tokens", (("out", out[b:b + 1], ref),)))
    print(f"attention template: causal decode of {tokens} tokens over a cache of {capacity}, "
          f"lengths {lengths.tolist()} max rel err {worst:.2e}")


def bench_decode_tokens(tokens, batch, kv_len, heads=32, kv_heads=8, dim=128):
    """Several query tokens a sequence (speculative decoding, ReSA's
    rectification) against SDPA with the causal mask aligned to the end of
    the keys, and the bytes of K and V against a copy, in the same run."""
    from torch.nn.attention.bias import causal_lower_right
    q = torch.randn(batch, tokens, heads, dim, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(batch, kv_len, kv_heads, dim, device="cuda", dtype=torch.bfloat16)
    v = torch.randn_like(k)
    lengths = torch.full((batch,), kv_len, device="cuda", dtype=torch.int32)
    out = tilec.ops.decode_variant("causal", q, k, v, lengths=lengths)
    ms = median_ms(lambda: tilec.ops.decode_variant("causal", q, k, v, lengths=lengths))
    # 128-row blocks on 256 threads, the same kernel otherwise.
    wide = tilec.compile(os.path.join(root, "kernels", "attention", "causal.tl"),
                         "causal_decode_cache", defines=dict(dim=dim, groups=heads // kv_heads,
                                                             block_H=128, threads=256))
    wide_out = torch.empty_like(out)
    wide_ms = median_ms(lambda: wide(Q=q, K=k, V=v, Output=wide_out, lengths=lengths))
    compare("128-row blocks", (("out", wide_out, out.double()),))
    qt, kt, vt = (t.transpose(1, 2) for t in (q, k, v))
    mask = causal_lower_right(tokens, kv_len)
    sdpa_ms = median_ms(lambda: F.scaled_dot_product_attention(qt, kt, vt, attn_mask=mask,
                                                               enable_gqa=True))
    moved, copy_bandwidth = cache_bytes_and_copy_rate(k, v)
    print(f"attention template: decode causal {tokens} tokens b{batch} L{kv_len} "
          f"h{heads}/{kv_heads}: {ms * 1e3:.1f} us, {moved / ms / 1e9:.2f} TB/s "
          f"({moved / ms / 1e9 / copy_bandwidth * 100:.0f}% of copy {copy_bandwidth:.2f}); "
          f"SDPA {sdpa_ms * 1e3:.1f} us: x{sdpa_ms / ms:.2f}; 128-row blocks "
          f"{wide_ms * 1e3:.1f} us (x{ms / wide_ms:.2f})")


def cache_bytes_and_copy_rate(k, v):
    """The bytes of K and V, and the bandwidth of a device-to-device copy of
    them in the same run (the copy reads and writes them: it counts both)."""
    source = torch.cat([k.flatten(), v.flatten()])
    target = torch.empty_like(source)
    copy_ms = median_ms(lambda: target.copy_(source))
    moved = 2 * k.numel() * k.element_size()
    return moved, 2 * moved / copy_ms / 1e9


def median_ms(fn):
    return do_bench(fn, warmup=5, rep=50, return_mode="median")


def bench(name, batch=4, seq=8192, heads=16, dim=128):
    """Forward and backward at b4 h16 s8192 d128: the instance, FlexAttention
    (compiled, with its block mask) and, for causal, SDPA and the
    hand-written kernels."""
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    torch.manual_seed(2)
    document_ids = torch.cumsum(torch.rand(batch, seq, device="cuda") < 1 / 1024, 1).int()
    inputs, mask_mod, score_mod, normalization = variants(heads, seq, document_ids)[name]
    q, k, v = (torch.randn(batch, seq, heads, dim, device="cuda", dtype=torch.bfloat16,
                           requires_grad=True) for _ in range(3))
    grad = torch.randn_like(q)
    out = tilec.ops.attention_variant(name, q, k, v, **inputs)
    times = {"tilec": (median_ms(lambda: tilec.ops.attention_variant(name, q, k, v, **inputs)),
                       median_ms(lambda: torch.autograd.grad(out, (q, k, v), grad,
                                                             retain_graph=True)))}
    qt, kt, vt = (t.detach().transpose(1, 2).contiguous().requires_grad_() for t in (q, k, v))
    if normalization == "softmax":
        block_mask = (create_block_mask(mask_mod, batch, heads, seq, seq)
                      if mask_mod is not None else None)
        flex = torch.compile(flex_attention)
        flex_mod = None
        if score_mod is not None:
            def flex_mod(score, b, h, q_idx, kv_idx):
                return score_mod(score, b, h, q_idx, kv_idx)
        ref = flex(qt, kt, vt, score_mod=flex_mod, block_mask=block_mask)
        times["flex"] = (median_ms(lambda: flex(qt, kt, vt, score_mod=flex_mod,
                                                block_mask=block_mask)),
                         median_ms(lambda: torch.autograd.grad(ref, (qt, kt, vt),
                                                               grad.transpose(1, 2),
                                                               retain_graph=True)))
    if name in ("dense", "causal"):
        is_causal = name == "causal"
        sdpa = F.scaled_dot_product_attention(qt, kt, vt, is_causal=is_causal)
        times["sdpa"] = (median_ms(lambda: F.scaled_dot_product_attention(qt, kt, vt,
                                                                          is_causal=is_causal)),
                         median_ms(lambda: torch.autograd.grad(sdpa, (qt, kt, vt),
                                                               grad.transpose(1, 2),
                                                               retain_graph=True)))
        hand = tilec.ops.attention(q, k, v, causal=is_causal)
        times["hand-written"] = (median_ms(lambda: tilec.ops.attention(q, k, v,
                                                                       causal=is_causal)),
                                 median_ms(lambda: torch.autograd.grad(hand, (q, k, v), grad,
                                                                       retain_graph=True)))
    ours = times["tilec"]
    row = ", ".join(f"{peer} {fwd:.3f}/{bwd:.3f} ms (x{fwd / ours[0]:.2f}/x{bwd / ours[1]:.2f})"
                    for peer, (fwd, bwd) in times.items() if peer != "tilec")
    print(f"attention template: bench {name} b{batch} s{seq} h{heads} d{dim} fwd/bwd: tilec "
          f"{ours[0]:.3f}/{ours[1]:.3f} ms; {row}")


def bench_separate_dq(batch=4, seq=8192, heads=16, dim=128):
    """The dense backward with dQ added atomically and with dQ from a pass of
    its own (separate_dq), checked against each other, then timed."""
    import tilec
    path = os.path.join(root, "kernels", "attention", "dense.tl")
    q, k, v, out, grad = (torch.randn(batch, seq, heads, dim, device="cuda",
                                      dtype=torch.bfloat16) for _ in range(5))
    lse = torch.empty(batch, heads, seq, device="cuda", dtype=torch.float32)
    tilec.compile(path, "dense_attention")(q, k, v, out, lse)
    results, times = {}, {}
    for separate in (False, True):
        backward = tilec.compile(path, "dense_attention_bwd",
                                 defines={"separate_dq": separate})
        grads = [torch.empty_like(q) for _ in range(3)]
        backward(q, k, v, out, grad, lse, *grads)
        results[separate] = grads
        times[separate] = median_ms(lambda: backward(q, k, v, out, grad, lse, *grads))
    compare("separate_dq", [(name, got, want.double()) for name, got, want in
                            zip(("dq", "dk", "dv"), results[True], results[False])])
    print(f"attention template: dense backward b{batch} s{seq} h{heads} d{dim}: dQ atomic "
          f"{times[False]:.3f} ms, dQ pass of its own {times[True]:.3f} ms")


def ab_features(name, features, batch=4, seq=8192, heads=16, dim=128, rounds=3):
    """The instance's backward built with and without each of `features`
    (code-generation features, as tilec --disable takes them), timed
    interleaved in rounds (the median of the rounds' medians); each build's
    gradients against the default's."""
    import tilec
    torch.manual_seed(2)
    document_ids = torch.cumsum(torch.rand(batch, seq, device="cuda") < 1 / 1024, 1).int()
    inputs = variants(heads, seq, document_ids)[name][0]
    q, k, v, grad = (torch.randn(batch, seq, heads, dim, device="cuda", dtype=torch.bfloat16)
                     for _ in range(4))
    path = os.path.join(root, "kernels", "attention", name + ".tl")
    defines = dict(dim=dim)
    forward = tilec.compile(path, f"{name}_attention", defines=defines)
    out = torch.empty_like(q)
    lse = torch.empty(batch, heads, seq, device="cuda", dtype=torch.float32)
    forward(Q=q, K=k, V=v, Output=out, LSE=lse, **inputs)
    builds = {"default": ()}
    builds.update({f"no {f}": (f,) for f in features})
    grads, times = {}, {}
    for build, left_out in builds.items():
        kernel = tilec.compile(path, f"{name}_attention_bwd", defines=defines, disable=left_out)
        dq, dk, dv = (torch.empty_like(t) for t in (q, k, v))
        run = (lambda kernel=kernel, dq=dq, dk=dk, dv=dv:
               kernel(Q=q, K=k, V=v, O=out, dO=grad, LSE=lse, dQ=dq, dK=dk, dV=dv, **inputs))
        run()
        grads[build], times[build] = (dq, dk, dv), (run, [])
    for _ in range(rounds):
        for build in builds:
            times[build][1].append(median_ms(times[build][0]))
    ms = {build: sorted(t)[len(t) // 2] for build, (_, t) in times.items()}
    cells = []
    for build in builds:
        differs = max(((g.float() - r.float()).abs().max() / r.float().abs().max()).item()
                      for g, r in zip(grads[build], grads["default"]))
        cells.append(f"{build} {ms[build]:.3f} ms (x{ms[build] / ms['default']:.3f} of the "
                     f"default's time, differs {differs:.1e})")
    print(f"attention template: backward features {name} b{batch} s{seq} h{heads} d{dim}: "
          + ", ".join(cells))


def bench_decode(name, batch, kv_len, heads=32, kv_heads=8, dim=128):
    """One decoding step: time, and bandwidth against a copy of the same
    bytes (K and V) in the same run."""
    inputs = variants(heads, kv_len, None)[name][0]
    q = torch.randn(batch, heads, dim, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(batch, kv_len, kv_heads, dim, device="cuda", dtype=torch.bfloat16)
    v = torch.randn_like(k)
    ms = median_ms(lambda: tilec.ops.decode_variant(name, q, k, v, **inputs))
    moved, copy_bandwidth = cache_bytes_and_copy_rate(k, v)
    print(f"attention template: decode {name} b{batch} L{kv_len} h{heads}/{kv_heads}: "
          f"{ms * 1e3:.1f} us, {moved / ms / 1e9:.2f} TB/s, copy {copy_bandwidth:.2f} "
          f"TB/s ({moved / ms / 1e9 / copy_bandwidth * 100:.0f}% of copy)")


def main():
    # --only a,b: just these instances (numerics and time); --no-bench: no
    # timing.
    only = None
    if "--features" in sys.argv:
        # --features a,b: each instance's backward with and without these
        # code-generation features, nothing else (with --only: those).
        features = sys.argv[sys.argv.index("--features") + 1].split(",")
        names = (sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv
                 else ("dense", "causal", "sliding_window", "document", "alibi", "softcap"))
        for name in names:
            ab_features(name, features)
        return
    if "--only" in sys.argv:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    chosen = lambda name: only is None or name in only  # noqa: E731
    for name in ("dense", "causal", "sliding_window", "prefix_lm", "document", "alibi",
                 "softcap", "sigmoid", "retention"):
        if chosen(name):
            check(name)
    if chosen("causal"):
        check("causal", q_len=70, kv_len=333, heads=8, kv_heads=1, dim=64)
    for name in ("dense", "sliding_window", "alibi", "softcap"):
        if chosen(name):
            check_decode(name)
    if chosen("dense"):
        # Enough sequences to fill the GPU: one part, no merge launch.
        check_decode("dense", batch=40, kv_len=1000)
        check_decode_cache()
        check_decode_cache(capacity=250)
    if chosen("causal"):
        check_decode_tokens()
    if "--no-bench" not in sys.argv:
        for name in ("dense", "causal", "sliding_window", "document", "alibi", "softcap",
                     "sigmoid"):
            if chosen(name):
                bench(name)
        if only is None:
            bench_separate_dq()
        if chosen("dense"):
            for batch, kv_len in ((1, 131072), (8, 32768), (64, 8192), (16, 32768)):
                bench_decode("dense", batch, kv_len)
        if chosen("causal"):
            for tokens, batch, kv_len in ((32, 1, 262144), (32, 1, 65536), (4, 8, 32768),
                                          (8, 16, 16384), (16, 4, 65536), (64, 1, 131072)):
                bench_decode_tokens(tokens, batch, kv_len)
    print("attention template: ok")


if __name__ == "__main__":
    main()
