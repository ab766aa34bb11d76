"""TileLang's environment settings that programs read: the cache folder
(tilec's, $TILEC_CACHE_DIR or ~/.cache/tilec)."""

from .._tool import cache_folder

TILELANG_CACHE_DIR = cache_folder()
