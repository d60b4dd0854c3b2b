"""shegong.core.cache.RedisCache: Django's Redis cache, one client object per pool."""

import socket
import uuid

import pytest
from django.core.cache import caches


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 6379")


@pytest.fixture
def redis_cache(settings):
    prefix = f"cachetest-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "shegong.core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": prefix,
        },
    }
    cache = caches["shared"]
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_one_client_object_serves_every_call(redis_cache):
    """Reads and writes go through the same redis.Redis (over the same pool), not a new
    one made for each call as Django's own client does."""
    from django.core.cache.backends.redis import RedisCacheClient

    client = redis_cache._cache
    first = client.get_client(write=True)
    assert client.get_client(write=False) is first
    assert client.get_client("a key") is first
    assert first.connection_pool is client._get_connection_pool(True)
    # Django's own client makes a new object on every call: what this one saves
    django_client = RedisCacheClient(["redis://127.0.0.1:6379/15"])
    assert django_client.get_client() is not django_client.get_client()


def test_it_behaves_as_djangos_redis_cache(redis_cache):
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(redis_cache, RedisCache)
    assert redis_cache.get("missing", "default") == "default"
    redis_cache.set("session:1", {"user": 5, "名字": "张三"}, 60)
    assert redis_cache.get("session:1") == {"user": 5, "名字": "张三"}
    assert redis_cache.add("session:1", "other") is False
    assert redis_cache.add("counter", 1) is True
    assert redis_cache.incr("counter", 4) == 5
    redis_cache.set_many({"a": 1, "b": 2})
    assert redis_cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    redis_cache.delete_many(["a", "session:1"])
    assert redis_cache.get_many(["a", "b", "session:1"]) == {"b": 2}
    assert redis_cache.touch("b", 30) is True
    raw = redis_cache._cache.get_client()
    assert 0 < raw.ttl(redis_cache.make_key("b")) <= 30
