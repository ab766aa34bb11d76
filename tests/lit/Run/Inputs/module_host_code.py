# A TileLang script that makes its example tensors at module level and
# sizes its schedule from them: tilec runs that code at compile time,
# tensors known by shape and dtype.
import math

import torch
import tilelang
import tilelang.language as T

torch.random.manual_seed(0)
torch.backends.cuda.matmul.allow_tf32 = False

rows, cols = 96, 40
X = torch.rand(rows, cols, device="cuda", dtype=torch.float16) * 2 - 1
W = torch.randn((cols,), dtype=torch.float32).cuda()
M, N = X.shape
(width,) = W.shape
chunk = tilelang.cdiv(M, 7)
chunks = math.ceil(M / chunk)
if chunks * chunk > M:  # the last chunk is partial
    last = M - (chunks - 1) * chunk
else:
    last = chunk
dtype_bits = X.dtype.bits
flat = X.view(-1).numel()
print(f"{chunks=} {last=}")
reference = X.float() @ torch.rand(40, 8)  # Python tilec does not parse: host code
seed = torch.initial_seed()  # host code tilec does not model


@tilelang.jit
def scale_rows(dtype=T.float16):
    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), Scale: T.Tensor((width,), T.float32),
             B: T.Tensor((M, N), T.float32), Info: T.Tensor((4,), T.int32)):
        with T.Kernel(chunks, threads=64) as c:
            for i, j in T.Parallel(chunk, N):
                if c * chunk + i < M:
                    B[c * chunk + i, j] = A[c * chunk + i, j] * Scale[j]
            if c == 0:
                Info[0] = chunks
                Info[1] = last
                Info[2] = dtype_bits
                Info[3] = flat
    return main


@tilelang.jit
def uses_host_value():
    @T.prim_func
    def main(A: T.Tensor((4,), T.int32)):
        with T.Kernel(1, threads=32) as c:
            A[0] = seed
    return main
