"""TileLang's code post-processing callbacks. tilec generates PTX, not CUDA
C++, so a callback that rewrites CUDA source has nothing to apply to:
registering one is an error that says so (importing is fine)."""

__all__ = ["register_cuda_postproc_callback"]


def register_cuda_postproc_callback(function=None, override=True):
    raise NotImplementedError(
        "register_cuda_postproc_callback: tilec generates PTX from the tile program, not "
        "CUDA C++ source, so there is no CUDA code for the callback to rewrite")
