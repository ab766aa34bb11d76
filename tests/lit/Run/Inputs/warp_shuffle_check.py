"""Checks the `shuffles` kernel of warp_shuffle.py against a model of CUDA's
__shfl_*_sync: lanes count within groups of `width`; a shift or xor that
leaves the group, or a source past the block's last thread, reads the
thread's own value. Arguments: (output folder, width) pairs."""
import sys

import numpy as np


def model(x, width):
    n = len(x)
    out = np.zeros((6, n), np.float32)
    for t in range(n):
        first, lane = t - t % width, t % width

        def read(source_lane, inside=True):
            source = first + source_lane
            return x[source] if inside and source < n else x[t]

        out[0, t] = read(lane ^ 5, (lane ^ 5) < width)
        out[1, t] = read(lane + 3, lane + 3 < width)
        out[2, t] = read(lane - 2, lane - 2 >= 0)
        out[3, t] = read((t + 7) % width)
        out[4, t] = read(1 % width)
        out[5, t] = read(lane + 1, lane + 1 < width)
    return out


args = sys.argv[1:]
for folder, width in zip(args[::2], args[1::2]):
    x = np.load(folder + "/X.npy")
    y = np.load(folder + "/Y.npy")
    expected = model(x, int(width))
    name = folder.rstrip("/").split("/")[-1]
    wrong = np.argwhere(y != expected)
    print(f"{name} width {width}:", "exact" if not len(wrong) else f"differs at {wrong[:4].tolist()}")
