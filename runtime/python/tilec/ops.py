"""Attention and retention with gradients for PyTorch models: tilec's
kernels as torch.autograd.Functions.

    import tilec.ops
    out = tilec.ops.attention(q, k, v, causal=True)
    out.float().sum().backward()           # q.grad, k.grad, v.grad
    out = tilec.ops.retention(q, k, v)     # RetNet, chunkwise
    out = tilec.ops.diffqkv_attention(q, k, v)   # K, V heads and dims apart
    out = tilec.ops.block_sparse_attention(q, k, v, block_indices, block_counts)
    out = tilec.ops.attention_variant("sliding_window", q, k, v, window=512)
    c = tilec.ops.matmul(a, b)             # the Hopper GEMM, tiles per shape

attention: FlashAttention (kernels/flash_attention_bwd.tl: the forward with
its log-sum-exp, and the backward).
q is [batch, q_len, heads, dim], k and v [batch, kv_len, kv_heads, dim]
(heads a multiple of kv_heads: GQA), bfloat16 or float16 CUDA tensors; the
causal mask aligns to the bottom right (query i sees keys up to
kv_len - q_len + i). The kernels are compiled on first use for each head
dimension, group size, mask and dtype, and cached (tilec.compile's cache).
"""

import os

from ._compile import compile as _compile
from ._tool import KERNELS

__all__ = ["attention", "attention_variant", "block_sparse_attention", "decode_variant",
           "diffqkv_attention", "gemm_block_n", "matmul", "register_custom_ops", "retention"]

_KERNELS = {}


# The kernels compiled with fast math: those whose only math is exp2 (the
# softmax) and log2 (the rows' log-sum-exp), the FlashAttention family and
# the attention template's instances that add no other function. With fast
# math exp2 is one flush-to-zero ex2 instruction (the same results except
# that probabilities below 2^-126 become 0) and log2 NVIDIA's lg2.approx
# (error about 2^-22), which takes the exp2's wrapper off the path between
# the two gemms. Left exact: the template's softcap (tanh) and sigmoid,
# whose functions fast math would approximate, and its retention, whose
# decay multiplies log2(gamma) by the distance (an approximate log2's error
# grows with it).
_FAST_MATH_SOURCES = frozenset(
    ["flash_attention_bwd.tl", "diffqkv_attention.tl", "block_sparse_attention.tl"] +
    [os.path.join("attention", variant + ".tl") for variant in (
        "alibi", "block_sparse", "causal", "dense", "diffqkv", "document", "prefix_lm", "resa",
        "sliding_window")])


def _compiled(file, name, **defines):
    key = (file, name, tuple(sorted(defines.items())))
    if key not in _KERNELS:
        _KERNELS[key] = _compile(os.path.join(KERNELS, file), name, defines=defines,
                                 fast_math=file in _FAST_MATH_SOURCES)
    return _KERNELS[key]


def _kernel(name, dim, groups, causal, dtype):
    return _compiled("flash_attention_bwd.tl", name, dim=dim, groups=groups, is_causal=causal,
                     dtype=dtype)


def _dtype_name(tensor, op="attention"):
    import torch
    names = {torch.bfloat16: "bfloat16", torch.float16: "float16"}
    if tensor.dtype not in names:
        raise TypeError(f"tilec.ops.{op} takes bfloat16 or float16 tensors, got "
                        f"{tensor.dtype}")
    return names[tensor.dtype]


def _check(q, k, v, diffqkv=False):
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4 or (not diffqkv and v.shape != k.shape):
        raise ValueError("attention takes q [batch, q_len, heads, dim] and k, v [batch, "
                         "kv_len, kv_heads, dim]")
    if q.shape[0] != k.shape[0] or q.shape[3] != k.shape[3] or q.shape[2] % k.shape[2] or \
            v.shape[:2] != k.shape[:2] or q.shape[2] % v.shape[2]:
        raise ValueError(f"attention: q {tuple(q.shape)} does not fit k {tuple(k.shape)} and "
                         f"v {tuple(v.shape)} (batch, length and q/k dim must agree, heads be "
                         "a multiple of k's and v's heads)")
    if not (q.dtype == k.dtype == v.dtype):
        raise TypeError("attention: q, k and v must have one dtype")


def _attention_kernel(kind, q, k, v, causal):
    """FlashAttention's forward ("lse") or backward ("bwd") kernel for these
    shapes (DiffQKV's when K and V heads or head dims differ)."""
    heads, dtype = q.shape[2], _dtype_name(q)
    if k.shape[2] == v.shape[2] and k.shape[3] == v.shape[3]:
        return _kernel(f"flash_attention_{kind}", q.shape[3], heads // k.shape[2], causal, dtype)
    return _compiled("diffqkv_attention.tl", f"diffqkv_attention_{kind}", dk=q.shape[3],
                     dv=v.shape[3], k_groups=heads // k.shape[2], v_groups=heads // v.shape[2],
                     is_causal=causal, dtype=dtype)


def _function():
    import torch
    kernel = _attention_kernel

    class Attention(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v, causal, diffqkv):
            _check(q, k, v, diffqkv)
            q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
            batch, q_len, heads = q.shape[:3]
            out = torch.empty(batch, q_len, heads, v.shape[3], device=q.device, dtype=q.dtype)
            lse = torch.empty(batch, heads, q_len, device=q.device, dtype=torch.float32)
            kernel("lse", q, k, v, causal)(q, k, v, out, lse)
            ctx.save_for_backward(q, k, v, out, lse)
            ctx.causal = causal
            return out

        @staticmethod
        def backward(ctx, grad_out):
            q, k, v, out, lse = ctx.saved_tensors
            dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
            kernel("bwd", q, k, v, ctx.causal)(
                q, k, v, out, grad_out.contiguous().to(q.dtype), lse, dq, dk, dv)
            return dq, dk, dv, None, None

    return Attention


# Rows of a retention chunk: the forward's chunk states S_c are stored every
# _RETENTION_CHUNK rows and the backward reads them at the same chunks.
_RETENTION_CHUNK = 64
# Whether the state passes store each chunk's state through shared memory
# (a TMA store) rather than from each thread's registers: twice as fast at
# FLA's three benchmark shapes (H100, tests/gpu/retention_builds.py).
_RETENTION_STAGE_STATE = True
# The runs a state pass (forward, or the backward's reverse walk) walks a
# sequence's chunks in; more than one adds a fix-up launch. One: even with
# 64 state blocks for 132 SMs (B2 T16384 H16 K128 V128) four runs were
# slower than one (0.636 against 0.553 ms on an H100).
_RETENTION_SEGMENTS = 1


def _retention_tiles(q, v):
    """The compile-time parameters every retention kernel of tilec.ops
    shares: head dims, chunk, dtype, and the state's slices (block_K rows of
    dk; state_columns of dv: 128 where dv has them, else 64 or dv)."""
    dk, dv = q.shape[3], v.shape[3]
    return dict(dk=dk, dv=dv, chunk=_RETENTION_CHUNK, block_K=min(64, dk),
                dtype=_dtype_name(q, "retention")), 128 if dv % 128 == 0 else min(64, dv)


def _retention_states(q, k, v):
    """Each chunk's starting state S_c [batch, heads, chunks, dk, dv] in the
    inputs' dtype (retention_chunk_states: a block per block_K x
    state_columns slice of a head's state walks the chunks, in
    _RETENTION_SEGMENTS runs)."""
    import torch

    batch, seq_len, heads, dk = q.shape
    shared, columns = _retention_tiles(q, v)
    chunks = -(-seq_len // _RETENTION_CHUNK)
    states = torch.empty(batch, heads, chunks, dk, v.shape[3], device=q.device, dtype=q.dtype)
    _compiled("retention.tl", "retention_chunk_states", block_V=columns,
              stage_state=_RETENTION_STAGE_STATE, segments=_RETENTION_SEGMENTS,
              **shared)(k, v, states)
    return states


def _retention_forward(q, k, v, out):
    """Chunkwise retention in two passes (as FLA's chunk kernels): the chunk
    states, then every chunk's output in parallel from them
    (retention_chunk_output: 128 value columns a block, on two warpgroups
    up to dk = 128 and on one beyond, where it measured faster). Returns
    the states."""
    states = _retention_states(q, k, v)
    shared, columns = _retention_tiles(q, v)
    _compiled("retention.tl", "retention_chunk_output", block_V=columns,
              threads=256 if q.shape[3] <= 128 else 128, **shared)(q, k, v, states, out)
    return states


def _retention_function():
    import torch

    class Retention(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v, recompute_states):
            if q.dim() != 4 or k.shape != q.shape or v.shape[:3] != q.shape[:3]:
                raise ValueError("retention takes q, k [batch, seq, heads, dk] and v "
                                 "[batch, seq, heads, dv]")
            q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
            out = torch.empty_like(v)
            states = _retention_forward(q, k, v, out)
            if recompute_states:
                ctx.save_for_backward(q, k, v)
            else:
                ctx.save_for_backward(q, k, v, states)
            return out

        @staticmethod
        def backward(ctx, grad_out):
            q, k, v, *kept = ctx.saved_tensors
            states = kept[0] if kept else _retention_states(q, k, v)
            d_state = torch.zeros(q.shape[0], q.shape[2], q.shape[3], v.shape[3],
                                  device=q.device, dtype=torch.float32)
            dq, dkk, dvv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
            shared, columns = _retention_tiles(q, v)
            _compiled("retention_bwd.tl", "retention_chunkwise_bwd", block_V=min(64, v.shape[3]),
                      state_block_V=columns, stage_state=_RETENTION_STAGE_STATE,
                      segments=_RETENTION_SEGMENTS, **shared)(
                q, k, v, states, grad_out.contiguous().to(q.dtype), d_state, dq, dkk, dvv)
            return dq, dkk, dvv, None

    return Retention


def _block_sparse_function():
    import torch

    class BlockSparseAttention(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v, block_indices, block_counts, causal, block):
            _check(q, k, v)
            q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
            block_indices = block_indices.to(torch.int32).contiguous()
            block_counts = block_counts.to(torch.int32).contiguous()
            batch, seq, heads, dim = q.shape
            defines = dict(dim=dim, groups=heads // k.shape[2], is_causal=causal,
                           block_M=block, block_N=block, dtype=_dtype_name(q))
            out = torch.empty_like(q)
            lse = torch.empty(batch, heads, seq, device=q.device, dtype=torch.float32)
            _compiled("block_sparse_attention.tl", "block_sparse_attention_lse", **defines)(
                q, k, v, block_indices, block_counts, out, lse)
            ctx.save_for_backward(q, k, v, block_indices, block_counts, out, lse)
            ctx.defines = defines
            return out

        @staticmethod
        def backward(ctx, grad_out):
            q, k, v, block_indices, block_counts, out, lse = ctx.saved_tensors
            dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
            _compiled("block_sparse_attention.tl", "block_sparse_attention_bwd", **ctx.defines)(
                q, k, v, block_indices, block_counts, out, grad_out.contiguous().to(q.dtype),
                lse, dq, dk, dv)
            return dq, dk, dv, None, None, None, None

    return BlockSparseAttention


def _variant_kernel(variant, kernel, q, k, v, **extra):
    """Kernel `kernel` of kernels/attention/<variant>.tl for these tensors
    (and `extra` compile-time parameters)."""
    defines = dict(dim=q.shape[-1], dtype=_dtype_name(q), **extra)
    heads, kv_heads = q.shape[-2], k.shape[2]
    # Decoding instances default to 4 query heads a K head, the others to
    # 1 (retention has no groups); a kernel built for other groups refuses
    # the tensors at launch (its requirements).
    if heads != kv_heads or "_decode" in kernel:
        defines["groups"] = heads // kv_heads
    if v.shape[2] != kv_heads or v.shape[3] != k.shape[3]:
        defines.update(dim_v=v.shape[3], v_groups=heads // v.shape[2])
    return _compiled(os.path.join("attention", variant + ".tl"), kernel, **defines)


def _variant_function():
    import torch

    class AttentionVariant(torch.autograd.Function):
        @staticmethod
        def forward(ctx, variant, inputs, q, k, v):
            _check(q, k, v, diffqkv=True)
            q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
            forward = _variant_kernel(variant, f"{variant}_attention", q, k, v)
            batch, q_len, heads = q.shape[:3]
            out = torch.empty(batch, q_len, heads, v.shape[3], device=q.device, dtype=q.dtype)
            # Softmax variants store the rows' log-sum-exp for the backward.
            lse = None
            if any(param["name"] == "LSE" for param in forward.metadata["params"]):
                lse = torch.empty(batch, heads, q_len, device=q.device, dtype=torch.float32)
                forward(Q=q, K=k, V=v, Output=out, LSE=lse, **inputs)
            else:
                forward(Q=q, K=k, V=v, Output=out, **inputs)
            ctx.save_for_backward(q, k, v, out, *([] if lse is None else [lse]))
            ctx.variant, ctx.inputs = variant, inputs
            return out

        @staticmethod
        def backward(ctx, grad_out):
            q, k, v, out, *lse = ctx.saved_tensors
            dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
            backward = _variant_kernel(ctx.variant, f"{ctx.variant}_attention_bwd", q, k, v)
            tensors = dict(Q=q, K=k, V=v, O=out, dO=grad_out.contiguous().to(q.dtype), dQ=dq,
                           dK=dk, dV=dv)
            if lse:
                tensors["LSE"] = lse[0]
            backward(**tensors, **ctx.inputs)
            return None, None, dq, dk, dv

    return AttentionVariant


_FUNCTIONS = {}


def attention_variant(variant, q, k, v, **inputs):
    """An instance of the attention template (kernels/attention/<variant>.tl:
    causal, sliding_window, prefix_lm, document, alibi, softcap, sigmoid,
    retention, diffqkv, ...), differentiable in q, k, v where the instance
    has a backward kernel. q [batch, q_len, heads, dim], k [batch, kv_len,
    kv_heads, dim], v [batch, kv_len, v_heads, dim_v]; `inputs` are the
    instance's own parameters by name (window=, prefix=, document_ids=,
    cap=, bias=, ...)."""
    if "variant" not in _FUNCTIONS:
        _FUNCTIONS["variant"] = _variant_function()
    return _FUNCTIONS["variant"].apply(variant, inputs, q, k, v)


def decode_tiles(tokens, groups):
    """Compile-time parameters of decoding `tokens` query tokens at once,
    `groups` query heads a K head: 128-row blocks on 256 threads once the
    tokens' rows fill them (each block walks the keys once for twice the
    rows; slower below: docs/performance.md), else the kernel's own."""
    return dict(block_H=128, threads=256) if tokens * groups >= 128 else {}


def decode_variant(variant, q, k, v, lengths=None, **inputs):
    """One decoding step of an attention template instance
    (<variant>_decode): q [batch, heads, dim] (the newest position), k, v the
    cache [batch, kv_len, kv_heads, dim]; returns [batch, heads, dim]. The
    keys split over enough blocks to fill the GPU (chosen by the kernel).
    With `lengths` (int32 [batch]; the instances that have
    <variant>_decode_cache: dense, resa, causal) the cache keeps its
    capacity and sequence b holds its first lengths[b] positions, the query
    the last. The causal instance takes q [batch, tokens, heads, dim]: that
    many query tokens, the last positions (speculative decoding), and
    returns [batch, tokens, heads, dim]; where the tokens' query heads of a
    K head reach 128 rows, a block takes 128 of them."""
    import torch
    kernel = f"{variant}_decode" if lengths is None else f"{variant}_decode_cache"
    defines = decode_tiles(q.shape[1], q.shape[2] // k.shape[2]) if q.dim() == 4 else {}
    decode = _variant_kernel(variant, kernel, q, k, v, **defines)
    if lengths is not None:
        inputs["lengths"] = lengths
    out = torch.empty(*q.shape[:-1], v.shape[3], device=q.device, dtype=q.dtype)
    decode(Q=q.contiguous(), K=k.contiguous(), V=v.contiguous(), Output=out, **inputs)
    return out


def block_sparse_attention(q, k, v, block_indices, block_counts, causal=False, block=64):
    """Attention restricted to listed key blocks, differentiable in q, k, v:
    query block i (rows i*block ...) of kv head g sees the key blocks
    block_indices[b, g, i, :block_counts[b, g, i]] (block_indices
    [batch, kv_heads, ceil(seq / block), max_selected], block_counts
    [batch, kv_heads, ceil(seq / block)], int32), with the causal mask
    inside them if asked. q [batch, seq, heads, dim], k, v [batch, seq,
    kv_heads, dim]."""
    if "block_sparse" not in _FUNCTIONS:
        _FUNCTIONS["block_sparse"] = _block_sparse_function()
    return _FUNCTIONS["block_sparse"].apply(q, k, v, block_indices, block_counts, bool(causal),
                                            int(block))


def attention(q, k, v, causal=False):
    """softmax(q k^T / sqrt(dim)) v per head, differentiable in q, k, v."""
    if "attention" not in _FUNCTIONS:
        _FUNCTIONS["attention"] = _function()
    return _FUNCTIONS["attention"].apply(q, k, v, bool(causal), False)


def diffqkv_attention(q, k, v, causal=False):
    """DiffQKV (Sigma) attention, differentiable: q [batch, q_len, heads, dk],
    k [batch, kv_len, k_heads, dk], v [batch, kv_len, v_heads, dv]; query
    head h reads K head h // (heads / k_heads) and V head h // (heads /
    v_heads); the output is [batch, q_len, heads, dv]."""
    if "attention" not in _FUNCTIONS:
        _FUNCTIONS["attention"] = _function()
    return _FUNCTIONS["attention"].apply(q, k, v, bool(causal), True)


def retention(q, k, v, recompute_states=False):
    """RetNet retention, (q k^T / sqrt(dk) * D) v with D[i, j] = gamma_h^(i - j)
    (i >= j) and gamma_h = 1 - 2^(-5 - h) per head h, differentiable in q, k
    and v (q, k [batch, seq, heads, dk], v [batch, seq, heads, dv]; the
    chunkwise kernels of kernels/retention.tl and retention_bwd.tl).

    The forward keeps its chunk states for the backward: dk * dv / 64
    elements per token and head (at dk = 256, dv = 512 twice what q, k and
    v take). recompute_states=True keeps only q, k and v and computes the
    states again in the backward (one more pass over k and v), as FLA's
    chunk_retention does."""
    if "retention" not in _FUNCTIONS:
        _FUNCTIONS["retention"] = _retention_function()
    return _FUNCTIONS["retention"].apply(q, k, v, bool(recompute_states))


_REGISTERED = {}


# The tile widths matmul chooses among (kernels/gemm.tl, 128 rows a tile),
# each with its speed relative to the widest where every SM gets the same
# number of tiles: 128x256 tiles reuse each loaded row of A most, 128x192
# ones leave shorter last waves (on an H100, 555 against 630 TFLOP/s at
# 8192^3: docs/performance.md, 2026-12-07).
_GEMM_BLOCK_M = 128
_GEMM_TILES = ((256, 1.0), (192, 0.88))
# CUDA device index -> its SM count.
_SM_COUNTS = {}


def gemm_block_n(m, n, sms):
    """kernels/gemm.tl's block_N for an m x n product on a GPU of `sms` SMs:
    the tile width whose expected throughput is highest, its speed times the
    fraction of the SMs' tile slots that hold output (persistent blocks
    take the tiles in ceil(tiles / sms) rounds: a partial last round leaves
    SMs idle, and tiles across the edges compute columns and rows that are
    dropped). 3072 x 3072 on 132 SMs: 288 tiles of 128x256 fill 73% of
    three rounds, 384 of 128x192 97%."""
    def expected(tile):
        block_n, speed = tile
        tiles = -(-m // _GEMM_BLOCK_M) * -(-n // block_n)
        rounds = -(-tiles // sms)
        return speed * m * n / (rounds * sms * _GEMM_BLOCK_M * block_n)
    return max(_GEMM_TILES, key=expected)[0]


def matmul(a, b, out=None):
    """a @ b of 2-D float16 or bfloat16 CUDA tensors a [M, K] and b [K, N]
    (float32 accumulation, the result in their dtype; into `out` if given),
    by kernels/gemm.tl with the tile width gemm_block_n picks for this
    shape and GPU."""
    import torch
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"tilec.ops.matmul takes a [M, K] and b [K, N], got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if b.dtype != a.dtype:
        raise TypeError(f"tilec.ops.matmul: a is {a.dtype}, b {b.dtype}")
    dtype = _dtype_name(a, "matmul")
    if a.device.type != "cuda" or b.device != a.device:
        raise ValueError("tilec.ops.matmul takes CUDA tensors on one device")
    m, n = a.shape[0], b.shape[1]
    if out is None:
        out = torch.empty(m, n, dtype=a.dtype, device=a.device)
    elif out.shape != (m, n) or out.dtype != a.dtype or out.device != a.device or \
            not out.is_contiguous():
        raise ValueError(f"tilec.ops.matmul: out must be a contiguous {a.dtype} tensor of "
                         f"shape ({m}, {n}) on {a.device}")
    if m == 0 or n == 0:
        return out
    if a.shape[1] == 0:
        return out.zero_()
    device = a.device.index if a.device.index is not None else torch.cuda.current_device()
    if device not in _SM_COUNTS:  # asked once a device, not on every call
        _SM_COUNTS[device] = torch.cuda.get_device_properties(device).multi_processor_count
    kernel = _compiled("gemm.tl", "gemm", block_N=gemm_block_n(m, n, _SM_COUNTS[device]),
                       dtype=dtype)
    kernel(a.contiguous(), b.contiguous(), out)
    return out


def register_custom_ops(namespace="tilec"):
    """Registers FlashAttention's forward and backward as torch.library
    custom ops, `torch.ops.<namespace>.attention(q, k, v, causal)` with its
    gradient, and fake (shape-only) implementations, so that torch.compile
    traces through them and CUDA graphs capture them. Returns the op;
    registering twice returns the same one."""
    if namespace in _REGISTERED:
        return _REGISTERED[namespace]
    import torch
    kernel = _attention_kernel

    @torch.library.custom_op(f"{namespace}::attention_forward", mutates_args=())
    def forward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                causal: bool) -> tuple[torch.Tensor, torch.Tensor]:
        _check(q, k, v)
        q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
        batch, q_len, heads = q.shape[:3]
        out = torch.empty_like(q)
        lse = torch.empty(batch, heads, q_len, device=q.device, dtype=torch.float32)
        kernel("lse", q, k, v, causal)(q, k, v, out, lse)
        return out, lse

    @forward.register_fake
    def _(q, k, v, causal):
        return (torch.empty_like(q),
                q.new_empty((q.shape[0], q.shape[2], q.shape[1]), dtype=torch.float32))

    @torch.library.custom_op(f"{namespace}::attention_backward", mutates_args=())
    def backward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, out: torch.Tensor,
                 grad_out: torch.Tensor, lse: torch.Tensor,
                 causal: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
        kernel("bwd", q, k, v, causal)(q.contiguous(), k.contiguous(), v.contiguous(), out,
                                       grad_out.contiguous().to(q.dtype), lse, dq, dk, dv)
        return dq, dk, dv

    @backward.register_fake
    def _(q, k, v, out, grad_out, lse, causal):
        return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)

    def setup_context(ctx, inputs, output):
        q, k, v, causal = inputs
        out, lse = output
        ctx.save_for_backward(q, k, v, out, lse)
        ctx.causal = causal

    def gradient(ctx, grad_out, grad_lse):
        q, k, v, out, lse = ctx.saved_tensors
        dq, dk, dv = backward(q, k, v, out, grad_out, lse, ctx.causal)
        return dq, dk, dv, None

    forward.register_autograd(gradient, setup_context=setup_context)

    def attention_op(q, k, v, causal=False):
        """softmax(q k^T / sqrt(dim)) v through the registered custom ops."""
        return forward(q, k, v, bool(causal))[0]

    _REGISTERED[namespace] = attention_op
    return attention_op
