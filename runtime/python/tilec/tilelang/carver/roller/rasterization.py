"""How a schedule orders its blocks: as launched, or in row/column panels
so that neighbouring blocks share tiles in L2 (T.use_swizzle)."""


class NoRasterization:
    """Blocks in launch order."""

    panel_width = 0

    def __repr__(self):
        return "NoRasterization"


class Rasterization2DRow:
    """Blocks in panels along rows."""

    def __init__(self, panel_width=8):
        self.panel_width = panel_width

    def __repr__(self):
        return f"Rasterization2DRow({self.panel_width})"


class Rasterization2DColumn(Rasterization2DRow):
    """Blocks in panels along columns."""

    def __repr__(self):
        return f"Rasterization2DColumn({self.panel_width})"
