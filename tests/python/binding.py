"""The Python binding without a GPU: compiling (errors, the disk cache) and
the CPU target on NumPy arrays. Prints "ok" when every check holds."""

import os
import re
import shlex
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime",
                                "python"))
import tilec  # noqa: E402

kernels = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kernels")
os.environ["TILEC_CACHE_DIR"] = tempfile.mkdtemp(prefix="tilec-cache-")
rng = np.random.default_rng(0)

# The CPU target: outputs are written back into the arrays.
add = tilec.compile(os.path.join(kernels, "elementwise.tl"), "vector_add", target="cpu",
                    defines={"block": 128})
a, b = rng.standard_normal(1001).astype(np.float32), rng.standard_normal(1001).astype(np.float32)
c = np.full(1001, np.nan, dtype=np.float32)
add(a, b, c)
assert np.allclose(c, a + b), "vector_add on the CPU target"
assert [p[0] for p in add.parameters] == ["A", "B", "C"]

# bfloat16 tensors as float32 arrays, rounded on the way in.
gelu = tilec.compile(os.path.join(kernels, "elementwise.tl"), "gelu", target="cpu",
                     defines={"block": 128})
x = np.linspace(-3, 3, 333).astype(np.float32)
y = np.full_like(x, np.nan)
gelu(x, y)
from math import erf  # noqa: E402
ref = np.array([v * 0.5 * (1 + erf(v / 2 ** 0.5)) for v in x.astype(np.float64)])
assert np.abs(y - ref).max() < 2e-2 * np.abs(ref).max(), "bf16 gelu on the CPU target"

# What the CPU target stops is a RunError at the DSL line.
try:
    add(a, b[:1000], c)  # A and B disagree on N
    raise AssertionError("tensors of different lengths for one dimension ran")
except ValueError as e:
    assert "'N' is 1001 in argument 'A' but 1000 in argument 'B'" in str(e), str(e)

# Arguments by name; dtypes are checked, not converted.
c = np.full(1001, np.nan, dtype=np.float32)
add(a, C=c, B=b)
assert np.allclose(c, a + b), "vector_add with keyword arguments"
for call, message in ((lambda: add(a, b.astype(np.float64), c),
                       "argument 'B' must be a float32 tensor, got float64"),
                      (lambda: add(a, b, c, D=c), "has no parameter 'D'"),
                      (lambda: add(a, b, A=a), "got two values for 'A'")):
    try:
        call()
        raise AssertionError(f"a call that should say '{message}' ran")
    except (TypeError, ValueError) as e:
        assert message in str(e), str(e)

# A kernel compiled from a source string (kept in the cache folder, so that
# the cpu target can run it again).
doubled = tilec.compile(source="import tilelang.language as T\n\n@T.prim_func\n"
                        "def twice(X: T.Tensor((N,), \"float32\"), Y: T.Tensor((N,), \"float32\")):\n"
                        "    with T.Kernel(T.ceildiv(N, 64), threads=64) as bx:\n"
                        "        for i in T.Parallel(64):\n"
                        "            Y[bx * 64 + i] = 2 * X[bx * 64 + i]\n", target="cpu")
y = np.zeros(100, np.float32)
doubled(X=np.arange(100, dtype=np.float32), Y=y)
assert np.array_equal(y, 2 * np.arange(100, dtype=np.float32)), "a kernel from a source string"

# Tensors and a scalar: layernorm's eps.
norm = tilec.compile(os.path.join(kernels, "layernorm.tl"), target="cpu",
                     defines={"block_N": 256})
x = rng.standard_normal((7, 300)).astype(np.float32)
w, bias = rng.standard_normal(300).astype(np.float32), rng.standard_normal(300).astype(np.float32)
y = np.full_like(x, np.nan)
norm(x, w, bias, y, 1e-5)
ref = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5) * w + bias
assert np.abs(y - ref).max() < 1e-4, "layernorm on the CPU target"

# A kernel's requirement (an assert outside T.Kernel) refuses arrays that
# fail it, with its message: a kernel built for 4 query heads a K head.
attention = tilec.compile(os.path.join(kernels, "flash_attention.tl"), target="cpu",
                          defines={"dim": 32, "groups": 4, "block_M": 32, "block_N": 16})
q = rng.standard_normal((1, 20, 4, 32)).astype(np.float32)
try:
    attention(q, q.copy(), q.copy(), np.zeros_like(q))
except tilec.RunError as e:
    assert "the query heads must be 4 (groups) x K's heads" in str(e), str(e)
else:
    raise AssertionError("heads that do not match groups were accepted")

# A wrong argument count is a TypeError naming the parameters.
try:
    add(a, b)
    raise AssertionError("two arguments for three parameters were accepted")
except TypeError as e:
    assert "A, B, C" in str(e)

# Errors are tilec's located diagnostics.
with tempfile.NamedTemporaryFile("w", suffix=".tl", delete=False) as bad:
    bad.write("import tilelang.language as T\n\n@T.prim_func\ndef k(A: T.Tensor((N,), \"float32\")):\n"
              "    with T.Kernel(1, threads=32) as bx:\n        T.copy(A, B)\n")
try:
    tilec.compile(bad.name, target="sm_90a")
    raise AssertionError("a program with an undefined name compiled")
except tilec.CompileError as e:
    assert f"{bad.name}:6:" in str(e) and "^" in str(e), str(e)

# A source with invalid UTF-8: a CompileError too (its echo of the line is
# decoded with replacement characters).
with tempfile.NamedTemporaryFile("wb", suffix=".tl", delete=False) as bad:
    bad.write(b"import tilelang.language as T\n\n@T.prim_func\ndef k(A: T.Tensor((4,), \"float32\")):\n"
              b"    with T.Kernel(1, threads=32) as bx:\n        A[0] = 1.0 \xff\xfe\n")
try:
    tilec.compile(bad.name, target="sm_90a")
    raise AssertionError("a program with invalid UTF-8 compiled")
except tilec.CompileError as e:
    assert "invalid UTF-8 (bytes 0xFF 0xFE)" in str(e), str(e)

# GPU code: PTX and launch metadata, then the same from the disk cache.
gemm = tilec.compile(os.path.join(kernels, "gemm.tl"), defines={"block_N": 128})
assert not gemm.from_cache and gemm.metadata["kernel"] == "gemm"
assert "wgmma.mma_async" in open(gemm.ptx).read()
again = tilec.compile(os.path.join(kernels, "gemm.tl"), defines={"block_N": 128})
assert again.from_cache and again.ptx == gemm.ptx
other = tilec.compile(os.path.join(kernels, "gemm.tl"), defines={"block_N": 64})
assert not other.from_cache and other.ptx != gemm.ptx
entries = os.listdir(os.path.dirname(os.path.dirname(gemm.ptx)))
assert len(entries) == 2 and not any(n.startswith(".tmp-") for n in entries), entries
# Ahead-of-time code: the metadata beside the PTX.
aot = tilec.load(gemm.ptx)
assert aot.metadata == gemm.metadata and not aot.from_cache
# Another build of the compiler (the same version number from other
# sources) does not reuse what this one compiled: the key holds what
# `tilec --version` prints, the build id included.
version = tilec.tool_version()
assert re.fullmatch(r"tilec \d+\.\d+\.\d+ \(build [0-9a-f]{16}\)", version), version
other_build = os.path.join(os.environ["TILEC_CACHE_DIR"], "other-build")
with open(other_build, "w") as f:
    f.write(f'#!/bin/sh\n[ "$1" = --version ] && exec echo "{version.split(" (")[0]} (build 0123456789abcdef)"\n'
            f'exec {shlex.quote(tilec._tool._tool())} "$@"\n')
os.chmod(other_build, 0o755)
this_build = os.environ.get("TILEC")
os.environ["TILEC"] = other_build
rebuilt = tilec.compile(os.path.join(kernels, "gemm.tl"), defines={"block_N": 128})
assert not rebuilt.from_cache and rebuilt.ptx != gemm.ptx
assert open(rebuilt.ptx).read() == open(gemm.ptx).read()
if this_build is None:
    del os.environ["TILEC"]
else:
    os.environ["TILEC"] = this_build
print("ok")
