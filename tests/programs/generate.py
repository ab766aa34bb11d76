"""Random tile programs: well-typed .tl kernels that mix what the language
offers, to check that every one compiles for every target (or gets a located
error the generator expected) and, on a GPU machine, computes what the cpu
target computes.

    python3 tests/programs/generate.py --seed 1 --count 300 --out DIR

writes DIR/p<i>.tl and DIR/manifest.json: per program its kernel, the sizes
and scalars to run it at (ragged: not multiples of the tiles), and the
error messages it may legitimately end in on a target (a tile set that
needs more shared memory than the chip has). tests/programs/check.py
compiles them; tests/gpu/differential.py runs them (--manifest).

What a program draws from: copies between global, shared, fragment and
local buffers at ragged edges; T.Parallel element work with conversions
between float32, float16, bfloat16 and float8; reductions (sum, max, min,
abssum) with and without clear; T.cumsum; T.gemm on tensor-core tile shapes
(transposed B too) in a T.Pipelined loop of 1-4 stages; 1-D streams through
pipelined shared stages and while loops over shared memory; serial loops
with break/continue, while loops, T.alloc_var counters and local buffers;
int8/uint8/int32 tensors; conditionals on scalars and on data; element reads at data-dependent
indices; T.if_then_else; macros; T.atomic_add; a second launch after the
first.
"""
import argparse
import json
import os
import random

FLOATS = ["float32", "float16", "bfloat16"]
# Each target's shared memory, in bytes: what the generator expects to fit.
SHARED_LIMITS = {"sm_90a": 232448, "sm_80": 166912, "gfx942": 65536}


class Program:
    def __init__(self, rng, index):
        self.rng = rng
        self.index = index
        self.lines = []
        self.macros = []
        self.params = []
        self.dims = {}
        self.scalars = {}
        self.shared_bytes = 0
        self.fragment_bytes = 0  # in shared memory where not in registers (AMD)
        self.features = []

    def emit(self, depth, text):
        self.lines.append("    " * depth + text)

    def tensor(self, name, shape, dtype):
        self.params.append(f'{name}: T.Tensor(({", ".join(shape)},), "{dtype}")')

    def scalar(self, name, dtype, value):
        self.params.append(f"{name}: T.{dtype}")
        self.scalars[name] = value

    def alloc(self, depth, name, scope, shape, dtype):
        elements = 1
        for extent in shape:
            elements *= extent
        size = elements * {"float32": 4, "float16": 2, "bfloat16": 2, "float8_e4m3": 1,
                           "int32": 4}[dtype]
        if scope == "shared":
            self.shared_bytes += size
        elif scope == "fragment":
            self.fragment_bytes += size
        dims = ", ".join(str(s) for s in shape)
        self.emit(depth, f'{name} = T.alloc_{scope}(({dims},), "{dtype}")')


def elementwise_expr(rng, value, dtype):
    """A float expression of `value` (float32 on the way)."""
    x = f'T.cast({value}, "float32")' if dtype != "float32" else value
    choices = [
        f"{x} * 1.5 + 0.25",
        f"T.max({x}, 0.0)",
        f"T.exp2({x} * 0.5)",
        f"T.if_then_else({x} > 0.1, {x}, -{x})",
        f"T.sqrt(T.abs({x}) + 1.0)",
        f"{x} * {x} - 0.5",
        f"T.tanh({x})",
    ]
    return rng.choice(choices)


def row_program(rng, p):
    """A 2-D tile per block: copies through the scopes, element work,
    reductions, conditionals, data-dependent reads, a second launch."""
    bm = rng.choice([4, 8, 16, 32])
    bn = rng.choice([16, 32, 64, 128])
    threads = rng.choice([32, 64, 128, 256])
    dt_in = rng.choice(FLOATS + ["float8_e4m3"])
    dt_out = rng.choice(FLOATS + ["float8_e4m3"])
    p.dims = {"M": rng.randint(1, 2 * bm + 5), "N": rng.randint(1, 2 * bn + 7)}
    p.tensor("A", ["M", "N"], dt_in)
    p.tensor("B", ["M", "N"], dt_out)
    p.tensor("R", ["M"], "float32")
    p.tensor("idx", ["M"], "int32")
    p.scalar("n", "int32", rng.randint(-2, 5))
    use_macro = rng.random() < 0.4
    if use_macro:
        p.macros.append("@T.macro\ndef shift_scale(frag, factor, offset):\n"
                        f"    for i, j in T.Parallel({bm}, {bn}):\n"
                        "        frag[i, j] = frag[i, j] * factor + offset\n")
        p.features.append("macro")
    p.emit(1, f"with T.Kernel(T.ceildiv(N, {bn}), T.ceildiv(M, {bm}), threads={threads}) as (bx, by):")
    d = 2
    via_shared = rng.random() < 0.7
    if via_shared:
        p.alloc(d, "s", "shared", [bm, bn], dt_in)
    p.alloc(d, "f", "fragment", [bm, bn], "float32")
    p.alloc(d, "r", "fragment", [bm], "float32")
    if via_shared:
        p.emit(d, "T.clear(s)")
        p.emit(d, "T.copy(A[by * %d, bx * %d], s)" % (bm, bn))
        p.emit(d, "T.copy(s, f)")
        p.features.append("global->shared->fragment")
    else:
        p.emit(d, "T.copy(A[by * %d, bx * %d], f)" % (bm, bn))
        p.features.append("global->fragment")
    # Element work; rows and columns past the tensor hold zeros here (the
    # copy read them as zero).
    p.emit(d, f"for i, j in T.Parallel({bm}, {bn}):")
    p.emit(d + 1, f"f[i, j] = {elementwise_expr(rng, 'f[i, j]', 'float32')}")
    if use_macro:
        p.emit(d, "shift_scale(f, 0.5, 0.125)")
    if rng.random() < 0.5:
        p.emit(d, "if n > 2:")
        p.emit(d + 1, f"for i, j in T.Parallel({bm}, {bn}):")
        p.emit(d + 2, "f[i, j] = f[i, j] * 2.0")
        p.features.append("scalar condition")
    kind = rng.choice(["sum", "max", "min", "abssum", "absmax"])
    clear = rng.random() < 0.7
    if not clear:
        p.emit(d, "T.fill(r, 1.0)")
    p.emit(d, f"T.reduce_{kind}(f, r, dim=1{'' if clear else ', clear=False'})")
    p.features.append(f"reduce_{kind}")
    if rng.random() < 0.3:
        p.alloc(d, "c", "fragment", [bm, bn], "float32")
        p.emit(d, "T.cumsum(f, c, dim=1)")
        p.emit(d, "T.copy(c, f)")
        p.features.append("cumsum")
    # Back out, converted to the output type, clipped at the edges.
    p.emit(d, "T.copy(f, B[by * %d, bx * %d])" % (bm, bn))
    # Row results: element stores guarded by the row bound, and a read at a
    # data-dependent index (kept inside the tensor with %).
    p.emit(d, f"for i in T.Parallel({bm}):")
    # Every column block reduces its own columns: the first one writes the
    # row results (several would race for them).
    p.emit(d + 1, f"if by * {bm} + i < M and bx == 0:")
    if rng.random() < 0.5:
        p.emit(d + 2, f"row = idx[by * {bm} + i] % M")
        p.emit(d + 2, f'R[by * {bm} + i] = r[i] + T.cast(A[row, 0], "float32")')
        p.features.append("data-dependent index")
    else:
        p.emit(d + 2, f"R[by * {bm} + i] = r[i]")
    if rng.random() < 0.3:
        # Element accesses past the tensor: dropped stores, zero reads.
        p.emit(d, f"for i in T.Parallel({bm}):")
        p.emit(d + 1, f'R[by * {bm} + i + M] = T.cast(A[by * {bm} + i + M, 0], "float32")')
        p.features.append("guarded element accesses")
    if rng.random() < 0.35:
        p.emit(1, "with T.Kernel(T.ceildiv(M, 32), threads=32) as bx:")
        p.emit(2, "for i in T.Parallel(32):")
        p.emit(3, "if bx * 32 + i < M:")
        p.emit(4, "R[bx * 32 + i] = R[bx * 32 + i] * 0.5")
        p.features.append("second launch")
    if rng.random() < 0.25:
        p.emit(1, "if n > 0:")
        p.emit(2, "with T.Kernel(1, threads=32) as bx:")
        p.emit(3, "T.atomic_add(R[0], 1.0)")
        p.features.append("conditional launch + atomic")


def gemm_program(rng, p):
    """C = A @ B (or B^T) in a pipelined K loop, tensor-core tile shapes."""
    bm = rng.choice([64, 128])
    bn = rng.choice([32, 64, 128, 256])
    bk = rng.choice([16, 32, 64])
    stages = rng.randint(1, 4)
    threads = rng.choice([128, 256])
    dtype = rng.choice(["float16", "bfloat16"])
    out = rng.choice(["float32", "float16", "bfloat16"])
    transpose_b = rng.random() < 0.4
    # Ragged, small (the differential check carries every input): up to one
    # tile and a bit in M and N, a few K steps.
    p.dims = {"M": rng.randint(1, bm + 9), "N": rng.randint(1, bn + 9) // 8 * 8 + 8,
              "K": rng.randint(1, 3 * bk + 5) // 8 * 8 + 8}
    p.tensor("A", ["M", "K"], dtype)
    p.tensor("Bm", ["N", "K"] if transpose_b else ["K", "N"], dtype)
    p.tensor("C", ["M", "N"], out)
    p.emit(1, f"with T.Kernel(T.ceildiv(N, {bn}), T.ceildiv(M, {bm}), threads={threads}) as (bx, by):")
    d = 2
    p.alloc(d, "a", "shared", [bm, bk], dtype)
    p.alloc(d, "b", "shared", [bn, bk] if transpose_b else [bk, bn], dtype)
    p.shared_bytes *= max(stages, 1)
    p.alloc(d, "acc", "fragment", [bm, bn], "float32")
    p.emit(d, "T.clear(acc)")
    p.emit(d, f"for k in T.Pipelined(T.ceildiv(K, {bk}), num_stages={stages}):")
    p.emit(d + 1, f"T.copy(A[by * {bm}, k * {bk}], a)")
    if transpose_b:
        p.emit(d + 1, f"T.copy(Bm[bx * {bn}, k * {bk}], b)")
        p.emit(d + 1, "T.gemm(a, b, acc, transpose_B=True)")
    else:
        p.emit(d + 1, f"T.copy(Bm[k * {bk}, bx * {bn}], b)")
        p.emit(d + 1, "T.gemm(a, b, acc)")
    if rng.random() < 0.4:
        p.emit(d, f"for i, j in T.Parallel({bm}, {bn}):")
        p.emit(d + 1, "acc[i, j] = T.max(acc[i, j], 0.0)")
        p.features.append("epilogue")
    p.emit(d, f"T.copy(acc, C[by * {bm}, bx * {bn}])")
    p.features.append(f"gemm {bm}x{bn}x{bk} {dtype} stages {stages}" +
                      (" B^T" if transpose_b else ""))


def stream_program(rng, p):
    """A 1-D stream through a T.Pipelined loop of shared stages, serial
    loops with break/continue and T.alloc_var counters, local buffers,
    integer tensors (int8, uint8, int32) and conversions between them."""
    block = rng.choice([32, 64, 128, 256])
    threads = rng.choice([32, 64, 128])
    stages = rng.randint(1, 4)
    chunks = rng.randint(1, 4)
    dt_int = rng.choice(["int8", "uint8", "int32"])
    dt_float = rng.choice(FLOATS)
    p.dims = {"N": rng.randint(1, block * chunks * 3 + 11)}
    p.tensor("X", ["N"], dt_float)
    p.tensor("Q", ["N"], dt_int)
    p.tensor("Y", ["N"], dt_float)
    p.tensor("S", ["N"], "int32")
    p.scalar("limit", "int32", rng.randint(0, 6))
    span = block * chunks
    p.emit(1, f"with T.Kernel(T.ceildiv(N, {span}), threads={threads}) as bx:")
    d = 2
    p.alloc(d, "xs", "shared", [block], dt_float)
    p.alloc(d, "acc", "fragment", [block], "float32")
    p.alloc(d, "loc", "local", [4], "int32")
    p.emit(d, "T.clear(acc)")
    p.emit(d, f"for c in T.Pipelined({chunks}, num_stages={stages}):")
    p.emit(d + 1, f"T.copy(X[bx * {span} + c * {block}], xs)")
    p.emit(d + 1, f"for i in T.Parallel({block}):")
    p.emit(d + 2, f'acc[i] += T.cast(xs[i], "float32") * (c + 1)')
    p.features.append(f"pipelined stream, {stages} stages")
    if rng.random() < 0.5:
        # A while loop over shared memory: each iteration's threads read
        # what others copied, and the next copy waits for those reads.
        p.emit(d, 'r = T.alloc_var("int32", init=0)')
        p.emit(d, "while r < limit:")
        p.emit(d + 1, f"T.copy(X[bx * {span} + (r % {chunks}) * {block}], xs)")
        p.emit(d + 1, f"for i in T.Parallel({block}):")
        p.emit(d + 2, f'acc[i] += T.cast(xs[{block - 1} - i], "float32")')
        p.emit(d + 1, "r += 1")
        p.features.append("while loop over shared memory")
    p.emit(d, f"for i in T.Parallel({block}):")
    p.emit(d + 1, f"if bx * {span} + i < N:")
    p.emit(d + 2, f"Y[bx * {span} + i] = acc[i]")
    # Integer work, one thread at a time: a counter loop with break and
    # continue over the block's first elements.
    p.emit(d, 'count = T.alloc_var("int32", init=0)')
    p.emit(d, 'total = T.alloc_var("int32", init=0)')
    p.emit(d, "for j in T.serial(4):")
    p.emit(d + 1, "loc[j] = j * 3")
    p.emit(d, f"for k in T.serial({min(block, 16)}):")
    p.emit(d + 1, f"if bx * {span} + k >= N:")
    p.emit(d + 2, "break")
    p.emit(d + 1, f"q = Q[bx * {span} + k]")
    p.emit(d + 1, "if q % 3 == 1:")
    p.emit(d + 2, "continue")
    p.emit(d + 1, "count += 1")
    p.emit(d + 1, 'total += T.cast(q, "int32") * loc[k % 4] + limit')
    p.emit(d + 1, "if count > limit + 8:")
    p.emit(d + 2, "break")
    p.emit(d, f"if bx * {span} < N:")
    p.emit(d + 1, f"S[bx * {span}] = total * 100 + count")
    p.features += [f"{dt_int} integers", "serial loops with break/continue"]
    if rng.random() < 0.5:
        p.emit(d, 'w = T.alloc_var("int32", init=0)')
        p.emit(d, "while w < limit:")
        p.emit(d + 1, "w += 2")
        p.emit(d, f"for i in T.Parallel({block}):")
        p.emit(d + 1, f"if bx * {span} + i < N:")
        p.emit(d + 2, f'Q[bx * {span} + i] = T.cast(T.cast(Q[bx * {span} + i], "int32") + w, "{dt_int}")')
        p.features.append("while")


def generate(seed, count):
    rng = random.Random(seed)
    programs = []
    for index in range(count):
        p = Program(rng, index)
        draw = rng.random()
        (gemm_program if draw < 0.25 else stream_program if draw < 0.5 else row_program)(rng, p)
        name = f"p{index}"
        text = ["# A generated program (tests/programs/generate.py, seed %d): %s." %
                (seed, ", ".join(p.features) or "copies"), "import tilelang.language as T", ""]
        for macro in p.macros:
            text += ["", macro]
        text += ["", "@T.prim_func", f"def {name}({', '.join(p.params)}):"] + p.lines
        expected = {}
        for target, limit in SHARED_LIMITS.items():
            need = p.shared_bytes + (p.fragment_bytes if target.startswith("gfx") else 0)
            if need > limit // 2:  # staging and scratch come on top
                expected[target] = ["bytes of shared memory; the target offers at most"]
        programs.append({"name": name, "kernel": name, "source": "\n".join(text) + "\n",
                         "dims": p.dims, "scalars": p.scalars, "may_fail": expected})
    return programs


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for program in generate(args.seed, args.count):
        path = os.path.join(args.out, program["name"] + ".tl")
        with open(path, "w") as f:
            f.write(program.pop("source"))
        program["file"] = os.path.abspath(path)
        manifest.append(program)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
