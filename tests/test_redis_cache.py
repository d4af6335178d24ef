"""The Redis cache (django-redis, settings.base.redis_cache): one round trip per page-cache hit,
and pages and signups that go on while Redis is down."""

import logging
import sys
import time

import pytest
from django.core.cache import caches

from portal.log_filters import Throttle
from portal.settings.base import redis_cache

from .helpers import free_port, running_redis, signup_data


@pytest.fixture
def redis_server(tmp_path):
    with running_redis(tmp_path) as found:
        yield found


def command_calls(client):
    """{command: calls} since the last CONFIG RESETSTAT."""
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): value["calls"] for name, value in stats.items()}


@pytest.mark.django_db
def test_a_page_cache_hit_is_one_mget(client, home, settings, redis_server):
    connection, url = redis_server
    settings.CACHES = {"default": redis_cache(url)}
    assert client.get(home.url)["X-Cache"] == "miss"
    assert client.get(home.url)["X-Cache"] == "hit"
    connection.config_resetstat()
    response = client.get(home.url)
    calls = command_calls(connection)
    calls.pop("config|resetstat", None)
    calls.pop("config", None)
    assert response["X-Cache"] == "hit"
    assert calls == {"mget": 1}, "one round trip: the stamps and the entry together"


@pytest.mark.django_db
def test_rate_limits_count_in_redis(client, home, settings, redis_server):
    connection, url = redis_server
    settings.CACHES = {"default": redis_cache(url)}
    settings.NEWSLETTER = {**settings.NEWSLETTER, "RATE_LIMITS": {"ip": (2, 60), "email": (9, 60)}}
    codes = [
        client.post("/newsletter/", signup_data(f"r{n}@example.org")).status_code for n in range(3)
    ]
    assert codes == [200, 200, 429]


def closed_port_cache():
    return {"default": redis_cache(f"redis://127.0.0.1:{free_port()}/0")}


@pytest.mark.django_db
def test_pages_and_signups_go_on_while_redis_is_down(client, home, settings, caplog):
    settings.CACHES = closed_port_cache()
    assert caches["default"].get_many(["a", "b"]) == {}, "errors are ignored"
    started = time.monotonic()
    for _ in range(2):
        response = client.get(home.url)
        assert response.status_code == 200 and response.get("X-Cache") != "hit"
    signup = client.post("/newsletter/", signup_data("down@example.org"))
    assert signup.status_code == 200, "the rate limit counts nothing and lets it through"
    assert b"Check your email" in signup.content or b"check your email" in signup.content.lower()
    assert time.monotonic() - started < 10


@pytest.mark.django_db
def test_what_get_many_answers_while_redis_is_down_stays_empty(client, home, settings):
    """django-redis answers each failed get_many with the same dict: filling it in would hand
    page-cache stamps to Wagtail's rendition lookup (a 500 in the fault run)."""
    from portal import pagecache

    settings.CACHES = closed_port_cache()
    pagecache.site_stamp()
    assert client.get(home.url).status_code == 200
    assert caches["default"].get_many(["wagtail-rendition-1"]) == {}


def test_ignored_redis_errors_are_logged_once_per_interval_in_one_line():
    throttle = Throttle(seconds=60)
    logger = logging.getLogger("tests.throttle")

    def record():
        try:
            try:
                raise ConnectionRefusedError("refused")
            except OSError as cause:
                raise RuntimeError("interrupted") from cause
        except RuntimeError:
            return logger.makeRecord(
                logger.name, logging.ERROR, __file__, 1, "Exception ignored", (), sys.exc_info()
            )

    first, second = record(), record()
    assert throttle.filter(first) and not throttle.filter(second)
    assert first.exc_info is None
    assert first.getMessage().startswith("Exception ignored (ConnectionRefusedError: refused)")
