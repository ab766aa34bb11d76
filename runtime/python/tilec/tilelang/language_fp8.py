"""`tilelang.language.fp8`: the float8 dtype of a format on this target."""


def determine_fp8_type(fp8_type="e4m3"):
    """The float8 dtype for `fp8_type` ("e4m3" or "e5m2"), as NVIDIA GPUs
    name it (PyTorch's names too)."""
    if fp8_type not in ("e4m3", "e5m2"):
        raise ValueError(f"unknown float8 format '{fp8_type}': e4m3 or e5m2")
    return "float8_e4m3fn" if fp8_type == "e4m3" else "float8_e5m2"
