# A Python file as TileLang examples are written: host code (torch,
# f-strings, comprehensions, a main) beside a kernel factory that returns
# one of two kernels depending on its arguments.
import argparse

import tilelang
import tilelang.language as T
import torch

CONFIGS = [dict(block=b) for b in (64, 128)]


def reference(x):
    return x.float().sum(dim=-1)


@tilelang.jit(out_idx=[-1])
def row_sum(rows, cols, block=64, split=True):
    dtype = T.float32

    @T.prim_func
    def two_steps(X: T.Tensor((rows, cols), dtype), Y: T.Tensor((rows,), dtype)):
        partial = T.alloc_global((rows, T.ceildiv(cols, block)), dtype)
        with T.Kernel(T.ceildiv(cols, block), rows, threads=64) as (bc, br):
            tile = T.alloc_fragment((block,), dtype)
            total = T.alloc_fragment((1,), dtype)
            T.copy(X[br, bc * block], tile)
            T.reduce_sum(tile, total, dim=0)
            partial[br, bc] = total[0]
        with T.Kernel(rows, threads=32) as br:
            acc = T.alloc_var(dtype, init=0)
            for c in T.serial(T.ceildiv(cols, block)):
                acc = acc + partial[br, c]
            Y[br] = acc

    @T.prim_func
    def one_step(X: T.Tensor((rows, cols), dtype), Y: T.Tensor((rows,), dtype)):
        with T.Kernel(rows, threads=64) as br:
            tile = T.alloc_fragment((cols,), dtype)
            total = T.alloc_fragment((1,), dtype)
            T.copy(X[br, 0], tile)
            T.reduce_sum(tile, total, dim=0)
            Y[br] = total[0]

    if split:
        return two_steps
    else:
        return one_step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4)
    args = parser.parse_args()
    kernel = row_sum(args.rows, 256)
    x = torch.randn(args.rows, 256, device="cuda")
    print(f"max error {(kernel(x) - reference(x)).abs().max().item():.2e}")


if __name__ == "__main__":
    main()


def interleaved(buffer):
    # A layout helper that kernel code calls: kept and inlined.
    return T.Layout(buffer.shape, lambda i: [i % 4, i // 4])


@tilelang.jit(out_idx=[-1])
def copy_through_layout(n):
    @T.prim_func
    def main(X: T.Tensor((n,), "float32"), Y: T.Tensor((n,), "float32")):
        with T.Kernel(1, threads=32) as bx:
            tile = T.alloc_shared((n,), "float32")
            T.annotate_layout({tile: interleaved(tile)})
            T.copy(X, tile)
            T.copy(tile, Y)

    return main
