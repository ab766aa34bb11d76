from . import tensor
