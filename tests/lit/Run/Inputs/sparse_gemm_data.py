"""Data for sparse_gemm.py, and its check. `make DIR M N K dtype e_dtype
trans`: a random 2:4-sparse A (groups of four along K keep at most two
values; of two for float32, at most one), compressed independently of
tilec: kept values in order, their positions in 4-bit groups of E (bits
1:0 the first, 3:2 the second; for float32 twice the position, and 4
bits per pair). `check DIR`: C against A @ B in float64."""
import json
import sys

import numpy as np


def make(folder, m, n, k, dtype, e_dtype, trans):
    rng = np.random.default_rng(7)
    np_dtype = {"float16": np.float16, "float32": np.float32}[dtype]
    meta = {"int8": np.int8, "int16": np.int16, "int32": np.int32}[e_dtype]
    group = 2 if dtype == "float32" else 4
    kept = group // 2
    per_meta = np.dtype(meta).itemsize * 8 // 4  # groups one E element holds
    a = rng.integers(-4, 5, (m, k)).astype(np_dtype)
    sparse = np.zeros((m, k // 2), np_dtype)
    e = np.zeros((m, k // (group * per_meta)), np.int64)
    for r in range(m):
        for g in range(k // group):
            cells = a[r, g * group:(g + 1) * group]
            keep = sorted(rng.choice(group, size=rng.integers(0, kept + 1), replace=False))
            for c in range(group):
                if c not in keep:
                    cells[c] = 0
            positions = list(keep)
            for filler in range(group):  # padded with positions holding zeros
                if len(positions) < kept and filler not in positions:
                    positions.append(filler)
            positions.sort()
            for j, p in enumerate(positions):
                sparse[r, g * kept + j] = cells[p]
            if group == 4:
                code = positions[0] | (positions[1] << 2)
            else:
                code = 0b0100 if positions[0] == 0 else 0b1110
            e[r, g // per_meta] |= code << (4 * (g % per_meta))
    bits = np.dtype(meta).itemsize * 8
    e = np.where(e >= 1 << (bits - 1), e - (1 << bits), e).astype(meta)
    b = rng.standard_normal((k, n)).astype(np_dtype)
    if trans:
        sparse, e = sparse.T.copy(), e.T.copy()
    np.save(folder + "/A_sparse.npy", sparse)
    np.save(folder + "/E.npy", e)
    np.save(folder + "/B.npy", b)
    np.save(folder + "/dense.npy", a)


def check(folder):
    a = np.load(folder + "/dense.npy").astype(np.float64)
    b = np.load(folder + "/B.npy").astype(np.float64)
    c = np.load(folder + "/out/C.npy")
    err = np.abs(c - a @ b).max() / max(1.0, np.abs(a @ b).max())
    print("sparse gemm:", "agrees" if err < 1e-5 else f"differs by {err}")


if sys.argv[1] == "make":
    folder, m, n, k, dtype, e_dtype, trans = sys.argv[2:]
    make(folder, int(m), int(n), int(k), dtype, e_dtype, trans == "True")
else:
    check(sys.argv[2])
