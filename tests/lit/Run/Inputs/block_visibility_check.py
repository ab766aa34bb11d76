"""Checks T.block_visibility's answers (Answers.npy of block-visibility.tl)
against every pair of positions: `everywhere` only where every pair of the
block is visible, `somewhere` wherever one is (sound), and, for the masks
the ranges describe exactly, both exactly. Prints one line per mask."""

import sys

import numpy as np

folder = sys.argv[1]
answers = np.load(f"{folder}/Answers.npy")
ids = np.load(f"{folder}/Ids.npy")
positions, block = 37, 8
q, k = np.meshgrid(np.arange(positions), np.arange(positions), indexing="ij")
masks = {
    "causal": (q >= k, True),
    "window": ((q >= k) & (q - k < 5), True),
    "prefix_lm": ((k < 11) | (q >= k), True),
    "chunked": ((q // 16 == k // 16) & ~(k > q), True),
    "strided": ((k % 3 == 0) & (q >= k), False),
    "document": ((ids[q] == ids[k]) & (q >= k), False),
    "branching": (q >= k, False),
    "clamped": ((np.maximum(q - k, 0) * 2 <= 6) & (-k <= -np.minimum(q, 20) + 40), True),
    "sorted document": ((ids[q] == ids[k]) & (q >= k), True),
}
blocks = answers.shape[1]
for index, (name, (visible, exact)) in enumerate(masks.items()):
    wrong, loose = [], 0
    for bq in range(blocks):
        for bk in range(blocks):
            pairs = visible[bq * block:(bq + 1) * block, bk * block:(bk + 1) * block]
            everywhere, somewhere = answers[index, bq, bk]
            if (everywhere and not pairs.all()) or (not somewhere and pairs.any()):
                wrong.append((bq, bk))
            if everywhere != pairs.all() or somewhere != pairs.any():
                loose += 1
    if wrong:
        print(f"{name}: WRONG at blocks {wrong}")
    elif exact and loose:
        print(f"{name}: sound but not exact at {loose} blocks")
    else:
        print(f"{name}: sound" + (", exact" if exact else f" ({loose} blocks unsure)"))
