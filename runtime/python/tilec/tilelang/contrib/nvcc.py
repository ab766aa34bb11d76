"""TileLang's CUDA compiler helpers: the compute capability of the GPU that
kernels are compiled for."""

__all__ = ["get_target_compute_version"]


def get_target_compute_version(target=None):
    """The compute capability ("9.0") of the current CUDA device (tilec
    compiles for it: sm_90a on Hopper)."""
    import torch
    major, minor = torch.cuda.get_device_capability()
    return f"{major}.{minor}"
