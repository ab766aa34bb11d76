# Warp shuffles in per-thread code: each thread reads a value of another
# lane of its group (CUDA's __shfl_*_sync), in TileLang's spellings and
# TVM's; and a butterfly (the Walsh-Hadamard transform of 32 values held one
# per thread) that shuffles inside a loop (a T.Pipelined loop, which
# per-thread code walks as a plain loop).
import tilelang
import tilelang.language as T


@tilelang.jit
def shuffles(threads, width):
    @T.prim_func
    def main(X: T.Tensor((threads,), T.float32), Y: T.Tensor((6, threads), T.float32)):
        with T.Kernel(1, threads=threads) as bx:
            tx = T.get_thread_binding(0)
            v = X[tx]
            Y[0, tx] = T.shfl_xor(v, 5, width)
            Y[1, tx] = T.shfl_down(v, 3, width)
            Y[2, tx] = T.shfl_up(v, 2, width=width)
            Y[3, tx] = T.shfl_sync(v, tx + 7, width)
            Y[4, tx] = T.tvm_warp_shuffle(0xFFFFFFFF, v, 1, width, 32)
            Y[5, tx] = T.tvm_warp_shuffle_down(0xFFFFFFFF, v, 1, width, 32)
    return main


@tilelang.jit
def butterfly(n):
    @T.prim_func
    def main(X: T.Tensor((n,), T.float32), Y: T.Tensor((n,), T.float32)):
        with T.Kernel(1, threads=n) as bx:
            tx = T.get_thread_binding(0)
            local = T.alloc_local((1,), T.float32)
            other = T.alloc_local((1,), T.float32)
            local[0] = X[tx]
            for i in T.Pipelined(5, num_stages=1):
                other[0] = T.shfl_xor(local[0], 1 << i)
                local[0] = T.if_then_else((tx >> i) & 1 == 0, local[0] + other[0], other[0] - local[0])
            Y[tx] = local[0]
    return main


@tilelang.jit
def indices():
    # A constant and the thread index (an int32) shuffled.
    @T.prim_func
    def main(X: T.Tensor((32,), T.float32)):
        with T.Kernel(1, threads=32) as bx:
            tx = T.get_thread_binding(0)
            X[tx] = T.shfl_xor(2.5, 1) + T.shfl_down(tx, 1)
    return main
