"""TileLang's layout helpers. Kernel code uses them and tilec compiles them
(choosing layouts itself); in Python they only have to exist."""

from ..language import Spelling

make_swizzled_layout = Spelling("T.make_swizzled_layout")
Layout = Spelling("T.Layout")
Fragment = Spelling("T.Fragment")
