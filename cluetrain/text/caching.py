"""The per-text caches of a text module, switched and emptied together.

Tweets repeat (retweets, templates, "thank you!"), so language, sentiment and template
keys keep bounded lru caches of their answers. Off or on, the answers are the same:
the switch exists for benches and tests, which compare both ways.
"""
from __future__ import annotations


class TextCaches:
    def __init__(self, *caches):
        self.enabled = True  # read on the hot path: a plain attribute
        self.caches = caches  # functools.lru_cache-wrapped functions

    def set_enabled(self, enabled: bool) -> None:
        """On or off, and emptied either way."""
        self.enabled = bool(enabled)
        self.clear()

    def clear(self) -> None:
        for cache in self.caches:
            cache.cache_clear()

    def info(self) -> tuple:
        """functools' CacheInfo of each cache, in the order given."""
        return tuple(cache.cache_info() for cache in self.caches)
