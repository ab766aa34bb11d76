import torch


def zeros_like_host(x):
    return torch.zeros_like(x)
