"""`tilelang.transform`: where TileLang programs also import PassConfigKey."""

from . import PassConfigKey  # noqa: F401
