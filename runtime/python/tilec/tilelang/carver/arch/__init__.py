"""TileLang's hardware descriptions (`tilelang.carver.arch`): the driver
queries, and `CUDA`/`CDNA` devices whose facts the roller's recommendations
(tilelang.carver.template) take."""

from . import driver


class _Device:
    """A GPU's facts: SMs (compute units), shared memory a block may use,
    registers a thread may use, threads a warp."""

    def __init__(self, target, sms, shared_bytes, warp_size, compute_capability):
        self.target = target
        self.compute_max_core = sms
        self.smem_cap = shared_bytes
        self.max_smem_usage = shared_bytes
        self.warp_size = warp_size
        self.compute_capability = compute_capability
        self.reg_cap = 65536
        self.max_registers_per_thread = 255

    @property
    def sm_count(self):
        return self.compute_max_core


class CUDA(_Device):
    """The current NVIDIA device (without one: an H100/H200's facts)."""

    def __init__(self, target="cuda"):
        sms, capability = 132, "90"
        try:
            import torch
            if torch.cuda.is_available():
                properties = torch.cuda.get_device_properties(0)
                sms = properties.multi_processor_count
                capability = f"{properties.major}{properties.minor}"
        except ImportError:
            pass
        shared = 227 * 1024 if capability >= "90" else 163 * 1024
        super().__init__(target, sms, shared, 32, capability)


class CDNA(_Device):
    """An AMD CDNA device (gfx942's facts: 304 compute units, 64 KiB of LDS)."""

    def __init__(self, target="hip"):
        super().__init__(target, 304, 64 * 1024, 64, "gfx942")
