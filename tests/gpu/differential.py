"""The differential check: every program runs on the cpu target and on the GPU
with the same inputs, and the two must agree.

The cpu target (MLIR's interpreter of the tile IR) needs the build machine;
the GPU needs the GPU machine. So the check has two halves:

  python3 tests/gpu/differential.py prepare OUT   # build machine: tilec + NumPy
      compiles each program for the GPU (OUT/<name>.ptx + .json), draws its
      inputs from a seed at small ragged sizes (OUT/<name>/in/<param>.npy,
      every tensor parameter, outputs included: both sides start from the
      same bytes) and runs it on the cpu target (OUT/<name>/cpu/<param>.npy).
  python3 tests/gpu/differential.py check OUT --lib libtilec_cuda.so   # GPU
      runs each program on the GPU from OUT/<name>/in and compares every
      tensor parameter with OUT/<name>/cpu: one line per program.

A program of your own joins with `--program FILE:KERNEL` (repeatable) and
`--dims`, `-D`, `--scalar` for it (see docs/debugging.md); `--generated N
--seed S` adds N random programs of tests/programs/generate.py
(`--only-generated`: those alone, e.g. 300 a batch for one GPU call).
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KERNELS = os.path.join(ROOT, "kernels")

# Relative tolerance (of the largest reference magnitude) per output dtype:
# the GPU sums in another order (tensor cores, shuffles) and rounds its
# bfloat16/float16 stores once.
TOLERANCE = {"float32": 2e-3, "float64": 1e-9, "float16": 1e-2, "bfloat16": 2.5e-2,
             "float8_e4m3": 0.13, "float8_e5m2": 0.26}


def sparse_blocks(seq_key, max_selected):
    """Block-index inputs: each (batch, kv head) selects `count` distinct key
    blocks of 64 (a random count, zero included), indices past it junk."""
    def make(np, rng, dims):
        batch, kv_heads, seq = dims["batch"], dims["kv_heads"], dims[seq_key]
        blocks = (seq + 63) // 64
        idx = rng.integers(0, blocks, size=(batch, kv_heads, max_selected)).astype(np.int32)
        counts = rng.integers(0, min(blocks, max_selected) + 1,
                              size=(batch, kv_heads)).astype(np.int32)
        for b in range(batch):
            for h in range(kv_heads):
                idx[b, h, :counts[b, h]] = np.sort(rng.permutation(blocks)[:counts[b, h]])
        return {"block_indices": idx, "block_counts": counts}
    return make


def training_blocks(block, max_selected):
    """Block lists of block-sparse attention for training: query block i of
    each (batch, kv head) lists up to max_selected key blocks <= i, its own
    among them."""
    def make(np, rng, dims):
        batch, kv_heads, q_blocks = dims["batch"], dims["kv_heads"], dims["q_blocks"]
        idx = np.zeros((batch, kv_heads, q_blocks, max_selected), np.int32)
        counts = np.zeros((batch, kv_heads, q_blocks), np.int32)
        for b in range(batch):
            for h in range(kv_heads):
                for i in range(q_blocks):
                    count = int(rng.integers(1, min(max_selected, i + 1) + 1))
                    chosen = sorted(set(rng.permutation(i)[:count - 1].tolist()) | {i})
                    idx[b, h, i, :len(chosen)] = chosen
                    counts[b, h, i] = len(chosen)
        return {"block_indices": idx, "block_counts": counts}
    return make


def k(file, kernel, dims, defines=(), scalars=None, inputs=None, name=None):
    return {"name": name or kernel, "file": file, "kernel": kernel, "dims": dims,
            "defines": list(defines), "scalars": scalars or {}, "inputs": inputs}


def template_programs():
    """Each instance of the attention template: its forward, backward and
    decoding kernels, GQA, a chunk of queries after a prefix, ragged ends."""
    prefill = {"batch": 1, "q_len": 100, "kv_len": 230, "heads": 4, "kv_heads": 2}
    decode = {"batch": 2, "kv_len": 500, "heads": 8, "kv_heads": 2}
    # Head dim 64 (d128 for the dense instance, the schedule's widest tiles)
    # keeps the set's inputs small enough to carry.
    gqa = ["-D", "groups=2", "-D", "dim=64"]
    documents = lambda np, rng, dims: {  # noqa: E731 - sorted document ids
        "document_ids": np.cumsum(rng.random((dims["batch"], dims["kv_len"])) < 0.02,
                                  axis=1).astype(np.int32)}
    variants = [("dense", {}, None, True), ("causal", {}, None, False),
                ("sliding_window", {"window": 100}, None, True),
                ("prefix_lm", {"prefix": 77}, None, False),
                ("document", {}, documents, False), ("alibi", {}, None, True),
                ("softcap", {"cap": 0.5}, None, True), ("sigmoid", {"bias": -5.0}, None, False)]
    programs = []
    for variant, scalars, inputs, decodes in variants:
        file = f"attention/{variant}.tl"
        for kernel in (f"{variant}_attention", f"{variant}_attention_bwd"):
            programs.append(k(file, kernel, prefill, gqa[:2] if variant == "dense" else gqa,
                              scalars, inputs, name=f"template_{kernel}"))
        if decodes:
            programs.append(k(file, f"{variant}_decode", decode,
                              ["-D", "groups=4"] + ([] if variant == "dense" else
                                                    ["-D", "dim=64"]), scalars,
                              name=f"template_{variant}_decode"))
    mha = {"batch": 1, "q_len": 200, "kv_len": 200, "heads": 3, "kv_heads": 3}
    for kernel in ("retention_attention", "retention_attention_bwd"):
        programs.append(k("attention/retention.tl", kernel, mha, ["-D", "dim=64"],
                          name=f"template_{kernel}"))
    diffqkv = {"batch": 1, "q_len": 100, "kv_len": 150, "heads": 16, "kv_heads": 2,
               "v_heads": 8}
    for kernel in ("diffqkv_attention", "diffqkv_attention_bwd"):
        programs.append(k("attention/diffqkv.tl", kernel, diffqkv,
                          ["-D", "dim=64", "-D", "dim_v=96"], name=f"template_{kernel}"))
    programs.append(k("attention/diffqkv.tl", "diffqkv_decode",
                      {"batch": 2, "kv_len": 300, "heads": 16, "kv_heads": 2, "v_heads": 8},
                      ["-D", "dim=64", "-D", "dim_v=96"], name="template_diffqkv_decode"))
    blocks = {"batch": 1, "q_len": 200, "kv_len": 200, "heads": 4, "kv_heads": 2,
              "q_blocks": 4, "max_selected": 3}
    for kernel in ("block_sparse_attention", "block_sparse_attention_bwd"):
        programs.append(k("attention/block_sparse.tl", kernel, blocks, gqa,
                          inputs=training_blocks(64, 3), name=f"template_{kernel}"))
    lists = dict(decode, max_selected=6)
    programs.append(k("attention/block_sparse.tl", "block_sparse_decode", lists,
                      ["-D", "groups=4", "-D", "dim=64"], inputs=sparse_blocks("kv_len", 6),
                      name="template_block_sparse_decode"))
    programs.append(k("attention/resa.tl", "resa_decode", lists,
                      ["-D", "groups=4", "-D", "dim=64"],
                      scalars={"dense_from": 400}, inputs=sparse_blocks("kv_len", 6),
                      name="template_resa_decode"))
    # Caches of fixed capacity holding ragged sequences.
    def lengths(np, rng, dims):
        return {"lengths": rng.integers(1, dims["kv_len"] + 1, size=dims["batch"]).astype(
            np.int32)}

    def resa_cache(np, rng, dims):
        return {**sparse_blocks("kv_len", 6)(np, rng, dims), **lengths(np, rng, dims)}
    programs.append(k("attention/dense.tl", "dense_decode_cache", decode, ["-D", "groups=4"],
                      inputs=lengths, name="template_dense_decode_cache"))
    programs.append(k("attention/resa.tl", "resa_decode_cache", lists,
                      ["-D", "groups=4", "-D", "dim=64"], scalars={"dense_from": 400},
                      inputs=resa_cache, name="template_resa_decode_cache"))
    # Several query tokens at the end of each cache (37 of 8 GQA heads:
    # three blocks of tokens, the last ragged).
    programs.append(k("attention/causal.tl", "causal_decode_cache", dict(decode, q_len=37),
                      ["-D", "groups=4", "-D", "dim=64"],
                      inputs=lambda np, rng, dims: {"lengths": rng.integers(
                          37, dims["kv_len"] + 1, size=dims["batch"]).astype(np.int32)},
                      name="template_causal_decode_cache"))
    # ReSA's append: K, V rows and the block summaries at each length (one
    # sequence full: nothing changes there).
    programs.append(k("attention/resa.tl", "resa_append", {"batch": 3, "kv_len": 300,
                                                           "kv_heads": 2},
                      ["-D", "dim=64", "-D", "blocks=5"],
                      inputs=lambda np, rng, dims: {"lengths": np.array(
                          [0, 130, 300], dtype=np.int32)},
                      name="template_resa_append"))
    # ReSA's block selection: the top 16 of 77 eligible blocks of 100.
    programs.append(k("attention/resa.tl", "resa_select", {"batch": 2, "heads": 8, "kv_heads": 2},
                      ["-D", "groups=4", "-D", "dim=64", "-D", "blocks=100"],
                      scalars={"eligible": 77}, name="template_resa_select"))
    return programs


# Every kernel in kernels/ (with the tiles it ships with, so that the GPU runs
# the schedule users get) and the multi-launch program of the lit tests, at
# small sizes that leave ragged edges.
PROGRAMS = [
    k("elementwise.tl", "vector_add", {"N": 5003}),
    k("elementwise.tl", "gelu", {"N": 10007}),
    k("elementwise.tl", "gelu", {"N": 10007}, ["--fast-math"], name="gelu_fast"),
    k("softmax.tl", "softmax", {"M": 37, "N": 1000}),
    k("softmax.tl", "softmax", {"M": 9, "N": 5000}, name="softmax_streaming"),
    k("layernorm.tl", "layernorm", {"M": 37, "N": 1000}, scalars={"eps": 1e-5}),
    k("reduction.tl", "row_sum_max", {"M": 37, "N": 1100}),
    k("gemm.tl", "gemm", {"M": 200, "N": 300, "K": 130}, name="gemm_fp16"),
    k("gemm.tl", "gemm", {"M": 129, "N": 264, "K": 72}, ["-D", "dtype=bfloat16"], name="gemm_bf16"),
    k("gemm.tl", "gemm", {"M": 129, "N": 264, "K": 72}, ["--disable=tma,wgmma"],
      name="gemm_fp16_mma_sync"),
    k("gemm_fp8.tl", "gemm_fp8", {"M": 200, "N": 272, "K": 160}),
    k("gemm_transposed.tl", "gemm_nt", {"M": 130, "N": 264, "K": 72}),
    k("gemm_transposed.tl", "gemm_tn", {"M": 136, "N": 264, "K": 72}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/wgmma-gemm.tl"), "wgmma_matmul",
      {"M": 100, "N": 90, "K": 70}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/gemm-runtime-clear.tl"), "unrolled_k",
      {"M": 100, "N": 90}, name="gemm_windows_runtime_clear"),
    k("flash_attention.tl", "flash_attention",
      {"batch": 2, "q_len": 150, "kv_len": 150, "heads": 2, "kv_heads": 2}, name="fa_d128"),
    k("flash_attention.tl", "flash_attention",
      {"batch": 1, "q_len": 140, "kv_len": 300, "heads": 4, "kv_heads": 2},
      ["-D", "is_causal=True", "-D", "groups=2"], name="fa_d128_causal_gqa_chunk"),
    k("flash_attention.tl", "flash_attention",
      {"batch": 1, "q_len": 200, "kv_len": 200, "heads": 2, "kv_heads": 2},
      ["-D", "dim=64", "-D", "block_N=128", "-D", "dtype=float16"], name="fa_d64_fp16"),
    k("flash_attention_bwd.tl", "flash_attention_lse",
      {"batch": 1, "q_len": 140, "kv_len": 300, "heads": 4, "kv_heads": 2},
      ["-D", "is_causal=True", "-D", "groups=2"], name="fa_lse_causal_gqa_chunk"),
    k("flash_attention_bwd.tl", "flash_attention_bwd",
      {"batch": 2, "q_len": 150, "kv_len": 150, "heads": 2, "kv_heads": 2}, name="fa_bwd_d128"),
    k("flash_attention_bwd.tl", "flash_attention_bwd",
      {"batch": 1, "q_len": 100, "kv_len": 230, "heads": 4, "kv_heads": 2},
      ["-D", "dim=64", "-D", "is_causal=True", "-D", "groups=2"],
      name="fa_bwd_d64_causal_gqa_chunk"),
    k("flash_decoding.tl", "flash_decode_split",
      {"batch": 2, "seq_len": 500, "heads": 8, "kv_heads": 2}),
    k("flash_decoding.tl", "flash_decode_combine", {"batch": 2, "heads": 8}),
    k("flash_decoding.tl", "flash_decode", {"batch": 2, "seq_len": 500, "heads": 8, "kv_heads": 2}),
    k("block_sparse_decode.tl", "block_sparse_decode",
      {"batch": 2, "seq_len": 500, "heads": 8, "kv_heads": 2, "max_selected": 6},
      inputs=sparse_blocks("seq_len", 6)),
    k("resa.tl", "resa_decode",
      {"batch": 2, "seq_len": 500, "heads": 8, "kv_heads": 2, "max_selected": 6},
      scalars={"dense_from": 400}, inputs=sparse_blocks("seq_len", 6)),
    k("diffqkv_decode.tl", "diffqkv_decode_split",
      {"batch": 2, "seq_len": 300, "heads": 16, "k_heads": 1, "v_heads": 4}),
    k("diffqkv_decode.tl", "diffqkv_decode_combine", {"batch": 2, "heads": 16}),
    k("retention.tl", "retention_parallel", {"batch": 1, "seq_len": 300, "heads": 2}),
    k("retention.tl", "retention_recurrent", {"batch": 2, "seq_len": 1, "heads": 2}),
    k("retention.tl", "retention_chunkwise", {"batch": 1, "seq_len": 300, "heads": 2},
      ["-D", "dk=64", "-D", "dv=64"]),
    k("diffqkv_attention.tl", "diffqkv_attention_bwd",
      {"batch": 1, "q_len": 100, "kv_len": 150, "heads": 16, "k_heads": 2, "v_heads": 8},
      ["-D", "dv=128", "-D", "is_causal=True"], name="diffqkv_bwd_causal"),
    k("block_sparse_attention.tl", "block_sparse_attention_bwd",
      {"batch": 1, "seq_len": 200, "heads": 4, "kv_heads": 2, "q_blocks": 4, "max_selected": 3},
      ["-D", "groups=2", "-D", "is_causal=True"], inputs=training_blocks(64, 3)),
    k("retention_bwd.tl", "retention_chunkwise_bwd",
      {"batch": 1, "seq_len": 300, "heads": 2, "num_chunks": 5}, ["-D", "dk=64", "-D", "dv=64"]),
    k("retention.tl", "retention_chunk_states",
      {"batch": 1, "seq_len": 300, "heads": 2, "num_chunks": 5}),
    k("retention.tl", "retention_chunk_output",
      {"batch": 1, "seq_len": 300, "heads": 2, "num_chunks": 5}),
    # The builds tilec.ops.retention runs: 64 x 128 state slices, output
    # on two warpgroups.
    k("retention.tl", "retention_chunk_states",
      {"batch": 1, "seq_len": 300, "heads": 2, "num_chunks": 5}, ["-D", "block_V=128"],
      name="retention_chunk_states_v128"),
    k("retention.tl", "retention_chunk_output",
      {"batch": 1, "seq_len": 300, "heads": 2, "num_chunks": 5},
      ["-D", "block_V=128", "-D", "threads=256"], name="retention_chunk_output_t256"),
    k("gemv.tl", "gemv", {"N": 37, "K": 300}),
    k("gemv.tl", "gemv", {"N": 130, "K": 1000}, ["-D", "dtype=bfloat16"], name="gemv_bf16"),
    # Per-thread code (TileLang's split-K GEMV); a local buffer cleared in
    # block-wide code (each thread's whole copy).
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/per-thread.tl"), "splitk_gemv",
      {"N": 70, "K": 300}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/per-thread.tl"), "local_sums", {"M": 9}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/per-thread.tl"), "vectorized_gemv",
      {"N": 70, "K": 300}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/per-thread.tl"), "row_allreduce", {"N": 37}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/per-thread.tl"), "thread_roles", {"N": 37}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/per-thread.tl"), "column_sums_by_thread",
      {"M": 9}),
    # Reductions and prefix sums into local buffers: every thread's copy
    # holds the whole result.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/local-results.tl"), "local_cumsum", {"M": 9}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/local-results.tl"), "local_row_sums", {"M": 9}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/local-results.tl"), "fragment_max_to_local",
      {"M": 9}),
    # Row statistics of an accumulator copied in from and out to tensors.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/rows-copies.tl"), "row_max_copies", {"M": 100}),
    # Sums of float16 tiles in shared memory, folded in float32.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/half-reductions.tl"), "half_row_sums", {"M": 9}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/half-reductions.tl"), "half_reverse_cumsum",
      {"M": 9}),
    # The lit tests' runnable programs: loops, every scalar expression, the
    # tile ops, macros, a copy.
    k(os.path.join(ROOT, "tests/lit/Frontend/loops.tl"), "loops", {"N": 300}, scalars={"n": 7}),
    # idx[g] = g: iteration g stores Y[idx[g]] and then Y[g]; with another
    # permutation two threads would store to one element in no defined order
    # (a race the program has, not the compiler).
    k(os.path.join(ROOT, "tests/lit/Frontend/expressions.tl"), "expr", {"N": 384},
      scalars={"n": 5},
      inputs=lambda np, rng, dims: {"idx": np.arange(dims["N"], dtype=np.int32)}),
    k(os.path.join(ROOT, "tests/lit/Frontend/tile-ops.tl"), "ops",
      {"M": 70, "K": 40, "B": 2, "S": 33, "H": 3}),
    k(os.path.join(ROOT, "tests/lit/Frontend/macros.tl"), "use_macros", {"N": 45}),
    k(os.path.join(ROOT, "tests/lit/Frontend/fast-math.tl"), "options", {"N": 1024}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/copy.tl"), "copy", {"N": 1001}),
    # T.alloc_reducer: += in T.Parallel into shared elements.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/reducer.tl"), "gemv_reducer",
      {"M": 100, "N": 75}),
    # Scalar state in a while loop around a pipelined GEMM; atomic adds.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/stream-k.tl"), "stream_k",
      {"M": 70, "N": 150, "K": 200}, name="stream_k",
      inputs=lambda np, rng, dims: {"C": np.zeros((dims["M"], dims["N"]), np.float32)}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/uint8.tl"), "uint8", {},
      inputs=lambda np, rng, dims: {"A": rng.integers(0, 256, 4).astype(np.uint8)}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/float8.tl"), "float8", {"N": 1001},
      inputs=lambda np, rng, dims: {"A": (rng.standard_normal(dims["N"]) *
                                          10.0 ** rng.integers(-4, 6, dims["N"])).astype(np.float32)}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/launches.tl"), "split_sum",
      {"rows": 37, "n": 1000}, scalars={"factor": 3}, name="launches"),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/launches.tl"), "split_sum",
      {"rows": 5, "n": 60}, scalars={"factor": 1}, name="launches_small"),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/workspace.tl"), "workspace_sum",
      {"rows": 37, "n": 1000}, name="workspaces"),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/factory.py"), "matmul", {},
      ["-D", "M=100", "-D", "N=72", "-D", "K=48"], name="factory_matmul"),
    # Packed 4-bit weights: TVM-style uint8 helpers, an int8 GEMM into int32.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/packed-int4.py"), "unpack", {}, ["-D", "N=256"],
      inputs=lambda np, rng, dims: {"P": rng.permutation(256).astype(np.uint8)}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/packed-int4.py"), "int4_gemm", {},
      ["-D", "M=96", "-D", "N=80", "-D", "K=128"],
      inputs=lambda np, rng, dims: {"A": rng.integers(-128, 128, (96, 128)).astype(np.int8),
                                    "B": rng.integers(0, 256, (80, 64)).astype(np.uint8)}),
    # Warp shuffles (whole and partial warps, widths 32 and 8), a butterfly.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/warp_shuffle.py"), "shuffles", {},
      ["-D", "threads=64", "-D", "width=8"], name="warp_shuffles"),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/warp_shuffle.py"), "shuffles", {},
      ["-D", "threads=20", "-D", "width=32"], name="warp_shuffles_partial"),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/warp_shuffle.py"), "butterfly", {},
      ["-D", "n=32"]),
    # 2:4-sparse GEMMs (any metadata bits are positions: random ones).
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/sparse_gemm.py"), "sparse_gemm", {},
      ["-D", "M=96", "-D", "N=80", "-D", "K=128", "-D", "dtype=float16", "-D", "e_dtype=int16",
       "-D", "trans_AE=False"], name="sparse_gemm_fp16",
      inputs=lambda np, rng, dims: {"E": rng.integers(-2**15, 2**15, (96, 8)).astype(np.int16)}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/sparse_gemm.py"), "sparse_gemm", {},
      ["-D", "M=64", "-D", "N=48", "-D", "K=192", "-D", "dtype=float16", "-D", "e_dtype=int8",
       "-D", "trans_AE=True"], name="sparse_gemm_transposed",
      inputs=lambda np, rng, dims: {"E": rng.integers(-128, 128, (24, 64)).astype(np.int8)}),
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/sparse_gemm.py"), "sparse_gemm", {},
      ["-D", "M=64", "-D", "N=32", "-D", "K=128", "-D", "dtype=float32", "-D", "e_dtype=int32",
       "-D", "trans_AE=False"], name="sparse_gemm_fp32",
      inputs=lambda np, rng, dims: {"E": rng.integers(-2**31, 2**31, (64, 8)).astype(np.int32)}),
    # int64 keys past 2^53 through shared memory, fragments and reductions.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/int64-fragments.tl"), "int64_keys", {},
      inputs=lambda np, rng, dims: {"A": (np.int64(1) << 60) + rng.integers(
          -2**40, 2**40, (2, 64)) * rng.choice([-1, 1], (2, 64))}),
    # Module-level host code sizing the kernel.
    k(os.path.join(ROOT, "tests/lit/Run/Inputs/module_host_code.py"), "scale_rows", {}),
]

NUMPY_DTYPES = {"float32": "<f4", "float64": "<f8", "float16": "<f2", "bfloat16": "<u2",
                "float8_e4m3": "|u1", "float8_e5m2": "|u1", "int8": "|i1", "uint8": "|u1",
                "int16": "<i2", "int32": "<i4", "int64": "<i8", "bool": "|b1"}


def random_tensor(np, rng, dtype, shape):
    """Values a kernel can take: floats in [-1, 1) (stored in the tensor's
    own format), small non-negative integers."""
    if dtype in ("int8", "uint8", "int16", "int32", "int64"):
        return rng.integers(0, 16, size=shape).astype(NUMPY_DTYPES[dtype])
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    if dtype == "float32":
        return x
    if dtype == "float16":
        return x.astype(np.float16)
    if dtype == "bfloat16":  # round to nearest even, kept as raw bits
        bits = x.view(np.uint32).astype(np.uint64)
        return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    if dtype.startswith("float8"):  # any finite byte of the format
        raw = rng.integers(0, 256, size=shape).astype(np.uint8)
        exponent_all_ones = 0x78 if dtype == "float8_e4m3" else 0x7C
        return np.where((raw & 0x7F) >= exponent_all_ones, raw & 0x83, raw).astype(np.uint8)
    raise ValueError(dtype)


def prepare(args, programs):
    import numpy as np
    tilec = args.tilec
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for index, program in enumerate(programs):
        name = program["name"]
        source = program["file"] if os.path.isabs(program["file"]) else os.path.join(KERNELS, program["file"])
        ptx = os.path.join(args.out, name + ".ptx")
        common = [source, "--kernel", program["kernel"], *program["defines"]]
        compiled = subprocess.run([tilec, *common, "--target", args.target, "--emit=ptx", "-o", ptx],
                                  capture_output=True, text=True)
        if compiled.returncode != 0:
            print(f"FAIL {name}: does not compile for {args.target}:\n{compiled.stderr}")
            manifest.append({"name": name, "error": compiled.stderr})
            continue
        meta = json.load(open(os.path.join(args.out, name + ".json")))
        rng = np.random.default_rng(1000 + index)
        dims = dict(program["dims"])
        special = program["inputs"](np, rng, dims) if program["inputs"] else {}
        folder = os.path.join(args.out, name)
        os.makedirs(os.path.join(folder, "in"), exist_ok=True)
        # --disable/--enable choose GPU code only; the cpu target runs the program as written.
        cpu_flags = [f for f in common if not f.startswith(("--disable", "--enable"))]
        run = [tilec, *cpu_flags, "--target", "cpu", "--run", "--out", os.path.join(folder, "cpu")]
        for param in meta["params"]:
            if param["kind"] != "tensor":
                continue
            shape = tuple(dims[d] if isinstance(d, str) else d for d in param["shape"])
            array = special.get(param["name"])
            if array is None:
                array = random_tensor(np, rng, param["dtype"], shape)
            path = os.path.join(folder, "in", param["name"] + ".npy")
            np.save(path, array)
            run += ["--in", f"{param['name']}={path}"]
        for scalar, value in program["scalars"].items():
            run += ["--scalar", f"{scalar}={value}"]
        result = subprocess.run(run, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"FAIL {name}: the cpu target stopped:\n{result.stderr}")
            manifest.append({"name": name, "error": result.stderr})
            continue
        # A tensor the run left as it was is compared with its input: only
        # what changed travels twice.
        for param in meta["params"]:
            if param["kind"] != "tensor":
                continue
            before = os.path.join(folder, "in", param["name"] + ".npy")
            after = os.path.join(folder, "cpu", param["name"] + ".npy")
            if open(before, "rb").read() == open(after, "rb").read():
                os.remove(after)
        manifest.append({"name": name, "scalars": program["scalars"]})
        print(f"prepared {name}", flush=True)
    json.dump(manifest, open(os.path.join(args.out, "manifest.json"), "w"), indent=1)
    return 0 if all("error" not in m for m in manifest) else 1


def check(args):
    import numpy as np
    import torch
    sys.path.insert(0, HERE)
    from check import Runtime, Kernel  # the ctypes binding of libtilec_cuda

    torch_dtypes = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
                    "bfloat16": torch.bfloat16, "float8_e4m3": torch.float8_e4m3fn,
                    "float8_e5m2": torch.float8_e5m2, "int8": torch.int8, "uint8": torch.uint8,
                    "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
                    "bool": torch.bool}
    runtime = Runtime(args.lib)
    manifest = json.load(open(os.path.join(args.out, "manifest.json")))
    bad = 0
    if args.match:
        manifest = [entry for entry in manifest if re.search(args.match, entry["name"])]
    for entry in manifest:
        name = entry["name"]
        if "error" in entry:
            print(f"BAD  {name}: not prepared ({entry['error'].strip().splitlines()[0]})")
            bad += 1
            continue
        folder = os.path.join(args.out, name)
        kernel = Kernel(runtime, args.out, name)
        tensors, call = {}, []
        for param in kernel.meta["params"]:
            if param["kind"] == "tensor":
                host = np.load(os.path.join(folder, "in", param["name"] + ".npy"))
                t = torch.from_numpy(host.copy()).cuda()
                if param["dtype"] in ("bfloat16",) or param["dtype"].startswith("float8"):
                    t = t.view(torch_dtypes[param["dtype"]])
                tensors[param["name"]] = t
                call.append(t)
            else:
                value = entry["scalars"][param["name"]]
                call.append(float(value) if param["dtype"].startswith("float") else int(value))
        kernel.bind(*call)()
        torch.cuda.synchronize()
        worst, where = 0.0, ""
        ok = True
        for param in kernel.meta["params"]:
            if param["kind"] != "tensor":
                continue
            result = os.path.join(folder, "cpu", param["name"] + ".npy")
            if not os.path.exists(result):  # the cpu target left it as it was
                result = os.path.join(folder, "in", param["name"] + ".npy")
            expected = np.load(result)
            want = torch.from_numpy(expected.copy()).cuda()
            got = tensors[param["name"]]
            if param["dtype"] in ("bfloat16",) or param["dtype"].startswith("float8"):
                want = want.view(torch_dtypes[param["dtype"]])
            if not got.is_floating_point():
                mismatches = int((got != want).sum())
                if mismatches:
                    ok, where = False, f"{param['name']}: {mismatches} elements differ"
                continue
            g, w = got.double(), want.double()
            nan_mismatch = int((torch.isnan(g) != torch.isnan(w)).sum())
            finite = torch.isfinite(w) & torch.isfinite(g)
            inf_mismatch = int(((torch.isinf(g) | torch.isinf(w)) & (g != w)).sum())
            scale = w[finite].abs().max().item() if finite.any() else 1.0
            err = ((g - w)[finite].abs().max().item() / max(scale, 1e-30)) if finite.any() else 0.0
            if nan_mismatch or inf_mismatch or err > TOLERANCE[param["dtype"]]:
                ok = False
                where = (f"{param['name']}: rel err {err:.2e} (tolerance "
                         f"{TOLERANCE[param['dtype']]:.0e}), {nan_mismatch} NaN and "
                         f"{inf_mismatch} inf mismatches")
            if err > worst:
                worst, where = err, where or f"{param['name']}"
        print(f"{'ok ' if ok else 'BAD'}  {name}: "
              f"{'max rel err %.2e' % worst if ok else where}", flush=True)
        bad += not ok
    print(f"differential check: {len(manifest) - bad} of {len(manifest)} programs agree "
          f"with the cpu target")
    return 1 if bad else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["prepare", "check"])
    parser.add_argument("out", help="the folder the two halves share")
    parser.add_argument("--tilec", default=os.path.join(ROOT, "build", "tools", "tilec"))
    parser.add_argument("--target", default="sm_90a")
    parser.add_argument("--lib", help="libtilec_cuda.so (check)")
    parser.add_argument("--program", action="append", default=[],
                        help="FILE:KERNEL of your own instead of the shipped set (prepare)")
    parser.add_argument("--dims", default="", help="N=100,M=7 for --program")
    parser.add_argument("-D", dest="defines", action="append", default=[])
    parser.add_argument("--scalar", action="append", default=[])
    parser.add_argument("--generated", type=int, default=0,
                        help="also this many programs of tests/programs/generate.py (prepare)")
    parser.add_argument("--seed", type=int, default=1, help="their seed")
    parser.add_argument("--match", help="check only the programs whose name matches this "
                        "regular expression (check)")
    parser.add_argument("--only-generated", action="store_true",
                        help="the generated programs without the shipped set (prepare)")
    parser.add_argument("--set", choices=["shipped", "template"], default="shipped",
                        help="the kernels of kernels/ and the lit tests, or the attention "
                        "template's instances (prepare; each set fits one device call)")
    args = parser.parse_args()
    # Generated programs are named by path; a relative OUT must not be read
    # relative to kernels/.
    args.out = os.path.abspath(args.out)
    if args.mode == "check":
        return check(args)
    programs = ([] if args.only_generated else
                list(PROGRAMS) if args.set == "shipped" else template_programs())
    if args.program:
        dims = {d.split("=")[0]: int(d.split("=")[1]) for d in args.dims.split(",") if d}
        scalars = dict(s.split("=", 1) for s in args.scalar)
        defines = [x for d in args.defines for x in ("-D", d)]
        programs = []
        for spec in args.program:
            path, kernel = spec.rsplit(":", 1)
            programs.append(k(os.path.abspath(path), kernel, dims, defines, scalars,
                              name=os.path.splitext(os.path.basename(path))[0] + "_" + kernel))
    if args.generated:
        sys.path.insert(0, os.path.join(ROOT, "tests", "programs"))
        import generate
        folder = os.path.join(args.out, "generated")
        os.makedirs(folder, exist_ok=True)
        for g in generate.generate(args.seed, args.generated):
            path = os.path.join(folder, g["name"] + ".tl")
            with open(path, "w") as f:
                f.write(g["source"])
            # Programs that do not fit the target are the compile check's
            # business (tests/programs/check.py), not this one's.
            if args.target in g["may_fail"]:
                continue
            programs.append(k(path, g["kernel"], g["dims"], scalars=g["scalars"],
                              name=f"gen{args.seed}_{g['name']}"))
    return prepare(args, programs)


if __name__ == "__main__":
    sys.exit(main())
