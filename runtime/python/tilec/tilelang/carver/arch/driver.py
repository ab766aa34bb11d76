"""The current CUDA device's facts, as TileLang's driver module gives them.
In kernel code tilec answers these for the compile target."""


def get_num_sms(device=0):
    import torch
    return torch.cuda.get_device_properties(device).multi_processor_count
