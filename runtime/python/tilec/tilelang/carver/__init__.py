"""TileLang's hardware queries (carver.arch.driver)."""

from . import arch
