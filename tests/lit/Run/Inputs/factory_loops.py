# Python a factory runs at compile time to size its kernel: loops over
# constant lists, list.append, comprehensions and generators, sum/max/len,
# slices of tuples, and a list given with -D.
import math
import tilelang
import tilelang.language as T


@tilelang.jit
def grouped(sizes, block=32):
    count = len(sizes)
    total_blocks = sum((s + block - 1) // block for s in sizes)
    offsets = [0]
    for s in sizes[:-1]:
        offsets.append(offsets[-1] + math.ceil(s / block))
    largest = max(sizes)
    evens = [s * 2 for s in sizes if s % 2 == 0]
    assert len(offsets) == count and largest == max(s for s in sizes)

    @T.prim_func
    def main(A: T.Tensor((total_blocks,), "int32"), B: T.Tensor((4,), "int32")):
        with T.Kernel(1, threads=32) as bx:
            for i in T.serial(count):
                A[offsets[0] + i] = i
            B[0] = total_blocks
            B[1] = offsets[count - 1]
            B[2] = largest
            B[3] = len(evens)
    return main
