"""Django's Redis cache, minus a cost paid on every request: Django builds a new `redis.Redis` for each command (its
constructor fills a table of some 170 reply callbacks, about 0.1 ms of CPU), and every page reads its session from
the cache. Here each connection pool keeps one client; `redis.Redis` is safe to share between threads (each
command takes a connection from the pool) and after a fork (the pool notices the new process)."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
