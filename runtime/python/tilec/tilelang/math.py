"""TileLang's integer helpers."""

__all__ = ["next_power_of_2"]


def next_power_of_2(n):
    """The least power of two >= n (1 for n <= 1)."""
    return 1 if n <= 1 else 1 << (int(n) - 1).bit_length()
