import torch  # noqa: F401 (host code's)

MASK = 0b1111_1111

# A C source held in a string, its lines at column 0.
SOURCE = r"""
template <typename T>
T twice(T x) { return 2 * x; }
"""


def scale_by(n):
    def apply(v):
        return v * n

    return apply


def scale_by(n):  # noqa: F811 (defined again: this one counts, as in Python)
    def apply(v):
        return v * n + 1

    return apply
