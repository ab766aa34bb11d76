"""TileLang's hardware queries (carver.arch) and schedule recommendations
(carver.template, carver.roller)."""

from . import arch, roller, template
from .arch import CDNA, CUDA
from .template import MatmulTemplate
