"""portal/loading.py: what settings name by dotted path, reloaded when the setting changes."""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from portal import loading
from portal.newsletter.providers import get_provider
from portal.newsletter.providers.base import BaseProvider
from portal.newsletter.providers.local import LocalProvider
from search.backends import get_search_backend
from search.backends.database import DatabaseBackend


class OtherBackend(DatabaseBackend):
    pass


class OtherProvider(BaseProvider):
    label = "other"


def other_listing(page, request):
    return {"listing": []}


OTHER = {"BACKEND": "tests.test_loading.OtherBackend", "OPTIONS": {}}


def test_a_settings_override_swaps_the_search_backend_and_back():
    before = get_search_backend()
    assert type(before) is DatabaseBackend and get_search_backend() is before, "one per process"
    with override_settings(PORTAL_SEARCH=OTHER):
        assert ("PORTAL_SEARCH", None) not in loading._loaded, "setting_changed dropped it"
        assert type(get_search_backend()) is OtherBackend
        assert get_search_backend() is get_search_backend()
    after = get_search_backend()
    assert type(after) is DatabaseBackend


def test_the_settings_fixture_swaps_the_newsletter_provider(settings):
    assert type(get_provider()) is LocalProvider
    settings.NEWSLETTER = {
        **settings.NEWSLETTER,
        "PROVIDER": {"BACKEND": "tests.test_loading.OtherProvider", "OPTIONS": {"X": 1}},
    }
    provider = get_provider()
    assert type(provider) is OtherProvider and provider.options == {"X": 1}
    assert get_provider() is provider


def test_the_listing_provider_follows_its_setting(settings):
    settings.PORTAL_LISTING = "tests.test_loading.other_listing"
    assert loading.load("PORTAL_LISTING") is other_listing
    settings.PORTAL_LISTING = None
    assert loading.load("PORTAL_LISTING") is None


def test_a_plain_assignment_of_another_value_is_seen_too(settings):
    """No setting_changed signal (as in the benchmark scripts): the value itself is compared."""
    get_search_backend()
    original = django_settings.PORTAL_SEARCH
    try:
        django_settings.PORTAL_SEARCH = OTHER
        assert type(get_search_backend()) is OtherBackend
    finally:
        django_settings.PORTAL_SEARCH = original
    assert type(get_search_backend()) is DatabaseBackend


@pytest.mark.parametrize(
    "value, message",
    [
        ({"BACKEND": "search.backends.nowhere.Backend"}, "cannot import 'search.backends.nowhere"),
        ({"OPTIONS": {}}, 'needs a "BACKEND"'),
        ("search.backends.database.DatabaseBackend", 'needs a "BACKEND"'),
    ],
)
def test_a_bad_setting_is_a_clear_configuration_error(settings, value, message):
    settings.PORTAL_SEARCH = value
    with pytest.raises(ImproperlyConfigured, match="PORTAL_SEARCH") as raised:
        get_search_backend()
    assert message in str(raised.value)
