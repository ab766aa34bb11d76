"""`tilelang.tileop`: TileLang's tile operators' Python side; programs
import the GEMM warp policy from it."""

from . import base
