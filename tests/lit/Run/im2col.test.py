# The reference of im2col.test: a direct convolution in float64.
import sys

import numpy as np

folder = sys.argv[1]
x = np.load(folder + "/x.npy").astype(np.float64)
w = np.load(folder + "/w.npy").astype(np.float64)
for stride, name in ((1, "s1"), (2, "s2")):
    k, pad = 3, 1
    out_h = (x.shape[1] + 2 * pad - k) // stride + 1
    out_w = (x.shape[2] + 2 * pad - k) // stride + 1
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    ref = np.zeros((x.shape[0], out_h, out_w, w.shape[3]))
    for kh in range(k):
        for kw in range(k):
            patch = padded[:, kh:kh + (out_h - 1) * stride + 1:stride,
                           kw:kw + (out_w - 1) * stride + 1:stride, :]
            ref += np.einsum("nhwc,cf->nhwf", patch, w[kh, kw])
    y = np.load(folder + "/" + name + "/Y.npy")
    print(f"stride {stride}:", y.shape == ref.shape and np.abs(y - ref).max() / np.abs(ref).max() < 1e-3)
