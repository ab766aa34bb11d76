"""On a GPU machine: TileLang-style kernel factories through @tilec.jit on
PyTorch tensors (a GEMM and a FlashAttention forward), compiled there by
the static tilec tool ($TILEC; tests/gpu/prepare.sh builds it), checked
against PyTorch. Prints "jit: ok" or raises. With --cpu-only, compiles
both for sm_90a and runs the FlashAttention factory on the cpu target
(no GPU needed)."""

import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
if "TILEC_CACHE_DIR" not in os.environ:  # GPU code compiled here stays here
    import tempfile
    os.environ["TILEC_CACHE_DIR"] = tempfile.mkdtemp(prefix="tilec-cache-")
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import tilec  # noqa: E402
import tilec.language as T  # noqa: E402


def matmul_factory(target):
    @tilec.jit(out_idx=[-1], target=target)
    def matmul(M, N, K, block_M=128, block_N=128, block_K=64, dtype=T.float16,
               accum_dtype=T.float32):
        @T.prim_func
        def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype),
                 C: T.Tensor((M, N), dtype)):
            with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=256) as (bx, by):
                A_shared = T.alloc_shared((block_M, block_K), dtype)
                B_shared = T.alloc_shared((block_K, block_N), dtype)
                C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
                T.clear(C_local)
                for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
                    T.copy(A[by * block_M, k * block_K], A_shared)
                    T.copy(B[k * block_K, bx * block_N], B_shared)
                    T.gemm(A_shared, B_shared, C_local)
                T.copy(C_local, C[by * block_M, bx * block_N])

        return main

    return matmul


def attention_factory(target):
    @tilec.jit(out_idx=[3], target=target)
    def flashattn(batch, heads, seq_len, dim, is_causal, block_M=128, block_N=128,
                  num_stages=2, threads=256):
        scale = (1.0 / dim) ** 0.5 * 1.44269504  # log2(e)
        shape = [batch, seq_len, heads, dim]
        dtype = T.float16
        accum_dtype = T.float32

        @T.macro
        def softmax(acc_s, acc_s_cast, scores_max, scores_max_prev, scores_scale,
                    scores_sum, logsum):
            T.copy(scores_max, scores_max_prev)
            T.fill(scores_max, -T.infinity(accum_dtype))
            T.reduce_max(acc_s, scores_max, dim=1, clear=False)
            for i in T.Parallel(block_M):
                scores_max[i] = T.max(scores_max[i], scores_max_prev[i])
            for i in T.Parallel(block_M):
                scores_scale[i] = T.exp2(scores_max_prev[i] * scale - scores_max[i] * scale)
            for i, j in T.Parallel(block_M, block_N):
                acc_s[i, j] = T.exp2(acc_s[i, j] * scale - scores_max[i] * scale)
            T.reduce_sum(acc_s, scores_sum, dim=1)
            for i in T.Parallel(block_M):
                logsum[i] = logsum[i] * scores_scale[i] + scores_sum[i]
            T.copy(acc_s, acc_s_cast)

        @T.prim_func
        def main(Q: T.Tensor(shape, dtype), K: T.Tensor(shape, dtype),
                 V: T.Tensor(shape, dtype), Output: T.Tensor(shape, dtype)):
            with T.Kernel(T.ceildiv(seq_len, block_M), heads, batch, threads=threads) as (bx, by, bz):
                Q_shared = T.alloc_shared([block_M, dim], dtype)
                K_shared = T.alloc_shared([block_N, dim], dtype)
                V_shared = T.alloc_shared([block_N, dim], dtype)
                O_shared = T.alloc_shared([block_M, dim], dtype)
                acc_s = T.alloc_fragment([block_M, block_N], accum_dtype)
                acc_s_cast = T.alloc_fragment([block_M, block_N], dtype)
                acc_o = T.alloc_fragment([block_M, dim], accum_dtype)
                scores_max = T.alloc_fragment([block_M], accum_dtype)
                scores_max_prev = T.alloc_fragment([block_M], accum_dtype)
                scores_scale = T.alloc_fragment([block_M], accum_dtype)
                scores_sum = T.alloc_fragment([block_M], accum_dtype)
                logsum = T.alloc_fragment([block_M], accum_dtype)

                T.copy(Q[bz, bx * block_M:(bx + 1) * block_M, by, :], Q_shared)
                T.fill(acc_o, 0)
                T.fill(logsum, 0)
                T.fill(scores_max, -T.infinity(accum_dtype))
                loop_range = (T.min(T.ceildiv((bx + 1) * block_M, block_N), T.ceildiv(seq_len, block_N))
                              if is_causal else T.ceildiv(seq_len, block_N))
                for k in T.Pipelined(loop_range, num_stages=num_stages):
                    T.copy(K[bz, k * block_N:(k + 1) * block_N, by, :], K_shared)
                    if is_causal:
                        for i, j in T.Parallel(block_M, block_N):
                            acc_s[i, j] = T.if_then_else(bx * block_M + i >= k * block_N + j, 0,
                                                         -T.infinity(accum_dtype))
                    else:
                        T.clear(acc_s)
                    T.gemm(Q_shared, K_shared, acc_s, transpose_B=True,
                           policy=T.GemmWarpPolicy.FullRow)
                    softmax(acc_s, acc_s_cast, scores_max, scores_max_prev, scores_scale,
                            scores_sum, logsum)
                    for i, j in T.Parallel(block_M, dim):
                        acc_o[i, j] *= scores_scale[i]
                    T.copy(V[bz, k * block_N:(k + 1) * block_N, by, :], V_shared)
                    T.gemm(acc_s_cast, V_shared, acc_o, policy=T.GemmWarpPolicy.FullRow)
                for i, j in T.Parallel(block_M, dim):
                    acc_o[i, j] /= logsum[i]
                T.copy(acc_o, O_shared)
                T.copy(O_shared, Output[bz, bx * block_M:(bx + 1) * block_M, by, :])

        return main

    return flashattn


if "--cpu-only" in sys.argv:
    import numpy as np
    gemm = matmul_factory("sm_90a")(512, 512, 256)
    fa = attention_factory("sm_90a")(2, 4, 512, 128, True)
    for kernel in (gemm, fa):
        assert "wgmma.mma_async" in open(kernel.kernel.ptx).read()
    small = attention_factory("cpu")(1, 2, 128, 64, True, block_M=64, block_N=64, threads=128)
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 128, 2, 64)).astype(np.float16) for _ in range(3))
    out = small(q, k, v).astype(np.float64)
    s = np.einsum("bqhd,bkhd->bhqk", q.astype(np.float64), k.astype(np.float64)) / 8.0
    s = np.where(np.tril(np.ones((128, 128), bool)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    ref = np.einsum("bhqk,bkhd->bqhd", p / p.sum(-1, keepdims=True), v.astype(np.float64))
    err = np.abs(out - ref).max() / np.abs(ref).max()
    assert err < 2e-3, f"flashattn on the cpu target: max rel err {err}"
    print(f"jit: ok (cpu target, max rel err {err:.2e})")
    sys.exit(0)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

a = torch.randn(1000, 700, device="cuda", dtype=torch.float16)
b = torch.randn(700, 1200, device="cuda", dtype=torch.float16)
c = matmul_factory("sm_90a")(1000, 1200, 700)(a, b)
ref = a.float() @ b.float()
err = ((c.float() - ref).abs().max() / ref.abs().max()).item()
assert err < 1e-2, f"matmul through @tilec.jit: max rel err {err}"
for causal in (False, True):
    flashattn = attention_factory("sm_90a")(2, 8, 1024, 128, causal)
    q, k, v = (torch.randn(2, 1024, 8, 128, device="cuda", dtype=torch.float16) for _ in range(3))
    out = flashattn(q, k, v)
    expected = F.scaled_dot_product_attention(
        q.transpose(1, 2).float(), k.transpose(1, 2).float(), v.transpose(1, 2).float(),
        is_causal=causal).transpose(1, 2)
    fa_err = ((out.float() - expected).abs().max() / expected.abs().max()).item()
    assert fa_err < 1e-2, f"flashattn (causal={causal}) through @tilec.jit: max rel err {fa_err}"
    print(f"jit: flashattn causal={causal} max rel err {fa_err:.2e}")
print(f"jit: ok (matmul max rel err {err:.2e})")
