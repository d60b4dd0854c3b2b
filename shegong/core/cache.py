"""Django's Redis cache, with one Redis client object per connection pool and process.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` on every cache call,
and redis-py's constructor copies its table of ~200 reply handlers into a new
case-insensitive dict each time: about 500 Python calls a ``get``, three or more ``get``
a request (the session, the logged-in user, the rule sets). A ``redis.Redis`` over a
``ConnectionPool`` is safe to share between threads (each command borrows a connection
from the pool), so one per pool is made and kept. Everything else (pools, serializer,
servers, options) is Django's own.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` keeping its Redis client objects."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
