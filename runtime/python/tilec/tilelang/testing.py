"""The helpers of TileLang's testing module that programs use."""

import random

__all__ = ["set_random_seed", "torch_assert_close"]


def set_random_seed(seed=42):
    """Seeds Python's, NumPy's and PyTorch's generators."""
    random.seed(seed)
    try:
        import numpy
        numpy.random.seed(seed)
    except ImportError:
        pass
    try:
        import torch
        torch.manual_seed(seed)
        torch.cuda.manual_seed_all(seed)
    except ImportError:
        pass


def torch_assert_close(actual, expected, rtol=1e-2, atol=1e-2, max_mismatched_ratio=0.001,
                       **_ignored):
    """Element-wise closeness on all but `max_mismatched_ratio` of the elements."""
    import torch
    bad = ~torch.isclose(actual.double(), expected.double(), rtol=rtol, atol=atol,
                         equal_nan=True)
    ratio = bad.float().mean().item() if bad.numel() else 0.0
    if ratio > max_mismatched_ratio:
        raise AssertionError(f"{ratio:.2%} of the elements differ (allowed "
                             f"{max_mismatched_ratio:.2%})")
