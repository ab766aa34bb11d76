"""TileLang's environment settings that programs read: the cache folder
(tilec's, $TILEC_CACHE_DIR or ~/.cache/tilec)."""

import os

TILELANG_CACHE_DIR = os.environ.get("TILEC_CACHE_DIR") or os.path.join(
    os.path.expanduser("~"), ".cache", "tilec")
