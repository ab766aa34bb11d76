"""ReSA decoding end to end: sparse decoding steps over the key blocks a
query selects, with a dense rectification every few steps.

Per generated token, per layer:
  1. its key and value join the cache at the sequence's length, and the
     key joins the summary (the key sum) of the block it falls in
     (resa_append, which also counts the length up on the device);
  2. each KV head's query group scores the block summaries before
     `dense_from` and keeps the top_k blocks (resa_select in
     kernels/attention/resa.tl: the scores over the whole GPU, then a top-k
     a KV head);
  3. kernels/attention/resa.tl attends to those blocks and, densely, to
     every key from dense_from on (resa_decode_cache: the cache keeps its
     capacity and a lengths tensor says how far it is filled, so every
     step launches with the same arguments);
  4. every `rectify_every` tokens the rectification runs dense (causal)
     attention for the latest tokens over the whole cache
     (causal_decode_cache in kernels/attention/causal.tl: the tokens' queries
     at the end of the cache, the keys split over the GPU as in decoding)
     and moves dense_from forward, keeping a local window dense.

  python3 docs/examples/resa_decode.py                 # cpu target, checked
  python3 docs/examples/resa_decode.py --device cuda   # H100/H200: time per
                                                       # token at 16K-256K
On the cpu target every output is compared with attention over the same
keys in float64, and the rectified outputs with dense attention. On a GPU
it reports the attention time per generated token (selection, sparse
decoding and the rectification's share) against dense decoding (the same
kernel with every key dense).
"""

import argparse
import os
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "runtime", "python"))
import tilec  # noqa: E402
import tilec.ops  # noqa: E402

KERNELS = os.path.join(here, "..", "..", "kernels", "attention")


class Backend:
    """The few array operations the loop needs, on NumPy (cpu target) or
    PyTorch (CUDA)."""

    def __init__(self, device):
        self.device = device
        if device == "cpu":
            import numpy
            self.np = numpy
        else:
            import torch
            self.torch = torch

    def randn(self, *shape, seed=0):
        if self.device == "cpu":
            rng = self.np.random.default_rng(seed)
            return rng.standard_normal(shape).astype(self.np.float32)
        generator = self.torch.Generator(device="cuda").manual_seed(seed)
        return self.torch.randn(*shape, device="cuda", dtype=self.torch.bfloat16,
                                generator=generator)

    def empty(self, *shape, dtype="float"):
        if self.device == "cpu":
            kind = self.np.int32 if dtype == "int" else self.np.float32
            return self.np.zeros(shape, dtype=kind)
        kind = (self.torch.int32 if dtype == "int" else
                self.torch.float32 if dtype == "float32" else self.torch.bfloat16)
        return self.torch.zeros(*shape, device="cuda", dtype=kind)


class ReSADecoder:
    """The KV cache of one layer with its block summaries, and the kernels."""

    def __init__(self, backend, batch, heads, kv_heads, dim, capacity, block=64, top_k=16,
                 rectify_every=32, local=256):
        self.xp, self.block, self.top_k = backend, block, top_k
        self.rectify_every, self.local = rectify_every, local
        self.groups = heads // kv_heads
        target = "cpu" if backend.device == "cpu" else None
        defines = dict(dim=dim, groups=self.groups, block=block)
        options = dict(target=target) if target else {}
        self.sparse = tilec.compile(os.path.join(KERNELS, "resa.tl"), "resa_decode_cache",
                                    defines=defines, **options)
        blocks = -(-capacity // block)
        self.appender = tilec.compile(os.path.join(KERNELS, "resa.tl"), "resa_append",
                                      defines=dict(dim=dim, block=block, blocks=blocks),
                                      **options)
        self.selector = tilec.compile(os.path.join(KERNELS, "resa.tl"), "resa_select",
                                      defines=dict(dim=dim, groups=self.groups, blocks=blocks,
                                                   top_k=top_k), **options)
        rect_defines = dict(dim=dim, groups=self.groups,
                            **tilec.ops.decode_tiles(rectify_every, self.groups))
        self.dense_chunk = tilec.compile(os.path.join(KERNELS, "causal.tl"),
                                         "causal_decode_cache", defines=rect_defines, **options)
        self.K = backend.empty(batch, capacity, kv_heads, dim)
        self.V = backend.empty(batch, capacity, kv_heads, dim)
        self.key_sums = backend.empty(batch, blocks, kv_heads, dim, dtype="float32")
        self.indices = backend.empty(batch, kv_heads, top_k, dtype="int")
        self.counts = backend.empty(batch, kv_heads, dtype="int")
        self.lengths = backend.empty(batch, dtype="int")  # how far the cache is filled
        self.length = 0
        self.dense_from = 0
        self.recent_queries = []

    def prefill(self, K, V):
        """Takes a prompt's keys and values (computed densely)."""
        n = K.shape[1]
        self.K[:, :n], self.V[:, :n] = K, V
        self.lengths[:] = n
        full = n // self.block
        for b in range(full):
            self.key_sums[:, b] = self._float(K[:, b * self.block:(b + 1) * self.block]).sum(1)
        if n % self.block:
            self.key_sums[:, full] = self._float(K[:, full * self.block:]).sum(1)
        self.length = n
        self.dense_from = max(0, n - self.local)

    def _float(self, x):
        return x if self.xp.device == "cpu" else x.float()

    def select(self, q):
        """The top_k blocks before dense_from per (sequence, KV head), by the
        group's mean query against the blocks' key sums, in one call
        (resa_select); returns (indices, counts), overwritten by the next
        call."""
        self.selector(Q=q, key_sums=self.key_sums, eligible=self.dense_from // self.block,
                      block_indices=self.indices, block_counts=self.counts)
        return self.indices, self.counts

    def step(self, q, k, v):
        """One generated token: q [batch, heads, dim], k, v [batch, kv_heads,
        dim]. Returns the attention output [batch, heads, dim], and, when a
        rectification ran, the dense outputs of the tokens it covered."""
        self.appender(K=self.K, V=self.V, key_sums=self.key_sums, lengths=self.lengths, k=k,
                      v=v)
        self.length += 1
        indices, counts = self.select(q)
        out = self.xp.empty(*q.shape)
        self.sparse(Q=q, K=self.K, V=self.V, Output=out, lengths=self.lengths,
                    block_indices=indices, block_counts=counts, dense_from=self.dense_from)
        self.recent_queries.append(q)
        rectified = None
        if len(self.recent_queries) == self.rectify_every:
            rectified = self.rectify()
        return out, rectified

    def rectify(self):
        """Dense attention for the latest tokens (a causal chunk at the end
        of the cache); later steps attend densely from a local window before
        them."""
        lib = self.xp.np if self.xp.device == "cpu" else self.xp.torch
        queries = lib.stack(self.recent_queries, 1)  # [batch, f, heads, dim]
        batch, f, heads, dim = queries.shape
        out = self.xp.empty(batch, f, heads, dim)
        self.dense_chunk(Q=queries, K=self.K, V=self.V, Output=out, lengths=self.lengths)
        self.recent_queries = []
        self.dense_from = max(0, self.length - self.local)
        return out


def reference(np, q, K, V, visible):
    """float64 attention of q [batch, heads, dim] over keys where
    visible[b, g, position]."""
    batch, heads, dim = q.shape
    groups = heads // K.shape[2]
    out = np.zeros((batch, heads, dim))
    for b in range(batch):
        for h in range(heads):
            keys = visible[b, h // groups]
            scores = K[b, keys, h // groups].astype(np.float64) @ q[b, h] / dim ** 0.5
            weights = np.exp(scores - scores.max())
            out[b, h] = weights @ V[b, keys, h // groups] / weights.sum()
    return out


def check_on_cpu():
    """A short run at small sizes: each sparse step against float64 attention
    over its keys, each rectification against dense attention."""
    import numpy as np
    xp = Backend("cpu")
    batch, heads, kv_heads, dim, prompt, steps = 2, 4, 2, 32, 700, 20
    decoder = ReSADecoder(xp, batch, heads, kv_heads, dim, capacity=prompt + steps, block=64,
                          top_k=3, rectify_every=8, local=100)
    # bfloat16 values, as the kernels read the cache, so that the prompt's
    # summaries are the sums of what the cache holds.
    decoder.prefill(bf16(xp.randn(batch, prompt, kv_heads, dim, seed=1)),
                    bf16(xp.randn(batch, prompt, kv_heads, dim, seed=2)))
    worst = 0.0
    pending = []  # the queries since the last rectification
    for t in range(steps):
        q = xp.randn(batch, heads, dim, seed=10 + t)
        k, v = xp.randn(batch, kv_heads, dim, seed=100 + t), xp.randn(batch, kv_heads, dim,
                                                                       seed=200 + t)
        dense_from = decoder.dense_from
        out, rectified = decoder.step(q, k, v)
        indices, counts = decoder.indices, decoder.counts  # what the step selected
        # The selection: the top_k eligible blocks by the group's mean query.
        eligible = dense_from // 64
        group_query = q.astype(np.float64).reshape(batch, kv_heads, -1, dim).mean(2)
        scores = np.einsum("bgd,bngd->bgn", group_query, decoder.key_sums[:, :eligible])
        chosen = min(decoder.top_k, eligible)
        assert (counts == chosen).all(), f"step {t}: {counts.ravel()} blocks, not {chosen}"
        assert np.array_equal(indices[..., :chosen], np.argsort(-scores, -1)[..., :chosen]), \
            f"step {t}: not the top {chosen} blocks"
        pending.append(q)
        n = decoder.length
        visible = np.zeros((batch, kv_heads, n), dtype=bool)
        visible[:, :, dense_from:] = True
        for b in range(batch):
            for g in range(kv_heads):
                for s in range(counts[b, g]):
                    block = indices[b, g, s]
                    visible[b, g, block * 64:min((block + 1) * 64, dense_from)] = True
        K, V = bf16(decoder.K[:, :n]), bf16(decoder.V[:, :n])
        want = reference(np, bf16(q), K, V, visible)
        error = np.abs(out - want).max() / np.abs(want).max()
        worst = max(worst, error)
        assert error < 2e-2, f"step {t}: relative error {error:.3g}"
        if rectified is None:
            continue
        for i, query in enumerate(pending):
            dense = np.zeros((batch, kv_heads, n), dtype=bool)
            dense[:, :, :n - len(pending) + i + 1] = True
            want = reference(np, bf16(query), K, V, dense)
            error = np.abs(rectified[:, i] - want).max() / np.abs(want).max()
            worst = max(worst, error)
            assert error < 2e-2, f"rectification {i}: relative error {error:.3g}"
        pending.clear()
    # The cache, the summaries and the lengths as the appends left them.
    n = decoder.length
    assert (decoder.lengths == n).all(), f"lengths {decoder.lengths}, not {n}"
    blocks = -(-n // 64)
    padded = np.zeros((batch, blocks * 64, kv_heads, dim))
    padded[:, :n] = decoder.K[:, :n]
    sums = padded.reshape(batch, blocks, 64, kv_heads, dim).sum(2)
    assert np.abs(decoder.key_sums[:, :blocks] - sums).max() < 1e-3, "block summaries"
    print(f"resa loop (cpu target): {steps} steps, {steps // decoder.rectify_every} "
          f"rectifications, max rel err {worst:.2e}")


def bf16(x):
    """float32 values rounded to bfloat16, as the kernels read them."""
    import numpy as np
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).view(np.float32)


def bench_on_gpu(contexts, steps=64):
    """Attention time per generated token: ReSA (selection + sparse decoding
    + the rectification's share) against dense decoding, at each context."""
    import torch
    from tilec._profiler import do_bench
    xp = Backend("cuda")
    batch, heads, kv_heads, dim = 1, 32, 8, 128
    decoder_warmup = 32
    # Bring the GPU to its working clocks before the first context is timed.
    a = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
    begin = time.perf_counter()
    while time.perf_counter() - begin < 0.5:
        a @ a
        torch.cuda.synchronize()
    for context in contexts:
        decoder = ReSADecoder(xp, batch, heads, kv_heads, dim,
                              capacity=context + steps + decoder_warmup)
        decoder.prefill(xp.randn(batch, context, kv_heads, dim, seed=1),
                        xp.randn(batch, context, kv_heads, dim, seed=2))
        q = xp.randn(batch, heads, dim, seed=3)
        k, v = xp.randn(batch, kv_heads, dim, seed=4), xp.randn(batch, kv_heads, dim, seed=5)
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        for _ in range(decoder.rectify_every):  # compile and warm up, a rectification too
            decoder.step(q, k, v)
        start.record()
        for _ in range(steps):
            decoder.step(q, k, v)
        end.record()
        torch.cuda.synchronize()
        resa_ms = start.elapsed_time(end) / steps
        # Dense decoding: the same kernel, every key dense.
        n = decoder.length
        none = xp.empty(batch, kv_heads, 1, dtype="int")
        zero = xp.empty(batch, kv_heads, dtype="int")
        out = xp.empty(batch, heads, dim)
        dense_ms = do_bench(lambda: decoder.sparse(Q=q, K=decoder.K, V=decoder.V, Output=out,
                                                   lengths=decoder.lengths, block_indices=none,
                                                   block_counts=zero, dense_from=0),
                            warmup=10, rep=100, return_mode="median")
        print(f"resa loop: context {context}: {resa_ms * 1e3:.1f} us/token (top_k "
              f"{decoder.top_k} blocks of {decoder.block}, rectify every "
              f"{decoder.rectify_every}), dense decoding {dense_ms * 1e3:.1f} us/token, "
              f"speed-up x{dense_ms / resa_ms:.2f}")
        # Where a step's time goes: each part alone, synchronized, host
        # clock (selection; the sparse kernel; a rectification).
        def wall_us(fn, repeat=16):
            torch.cuda.synchronize()
            begin = time.perf_counter()
            for _ in range(repeat):
                fn()
            torch.cuda.synchronize()
            return (time.perf_counter() - begin) / repeat * 1e6
        indices, counts = decoder.select(q)
        sparse_us = wall_us(lambda: decoder.sparse(
            Q=q, K=decoder.K, V=decoder.V, Output=out, lengths=decoder.lengths,
            block_indices=indices, block_counts=counts, dense_from=decoder.dense_from))
        select_us = wall_us(lambda: decoder.select(q))

        def rectify():
            decoder.recent_queries = [q] * decoder.rectify_every
            decoder.rectify()
        rectify_us = wall_us(rectify, 2)
        print(f"resa loop: context {context}: a step's parts: select {select_us:.0f} us, "
              f"sparse kernel {sparse_us:.0f} us, rectification {rectify_us:.0f} us (every "
              f"{decoder.rectify_every} tokens)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--contexts", type=int, nargs="*", default=[16384, 65536, 262144])
    args = parser.parse_args()
    os.environ.setdefault("TILEC_CACHE_DIR", tempfile.mkdtemp(prefix="tilec-cache-"))
    if args.device == "cpu":
        check_on_cpu()
    else:
        bench_on_gpu(args.contexts)


if __name__ == "__main__":
    main()
