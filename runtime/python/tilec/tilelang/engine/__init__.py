"""TileLang's engine hooks that programs import (engine.callback)."""

from . import callback

__all__ = ["callback"]
