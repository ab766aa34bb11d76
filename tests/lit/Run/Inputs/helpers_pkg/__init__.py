from .ops import MASK, scale_by  # noqa: F401
from .host import zeros_like_host  # noqa: F401
