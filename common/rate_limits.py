"""Counting requests against an allowance in the shared cache, so every process sees the same count."""

from django.core.cache import cache


def limit_reached(key: str, *, limit: int) -> bool:
    """Whether `key` has used up its allowance, without counting a use (count it with over_limit on success)."""
    return (cache.get(key) or 0) >= limit


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more use of `key` in its window; True once more than `limit` were counted."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr: this is the first use of a new window
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit
