"""Shared fixtures: a site whose root is a HomePage, and an admin user."""

import pytest
from wagtail.models import Page, Site

from .factories import HomePageFactory


@pytest.fixture
def home(db):
    """Replace Wagtail's default welcome page with a HomePage serving the default site."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root, slug="home-test")
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "site_name": "Test portal"}
    )
    Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
    return home


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "password")
    client.force_login(user)
    return client
