"""What a content change purges from the page cache (portal.pagecache).

Publishing or unpublishing a page purges the page with its routes and the
pages under it; its ancestors; the pages its `cache_dependents()` names (a
study and its outputs name each other) and its translations (their language
links name it), with their ancestors; every listing
page; and the pages built from the whole index (the sitemap, and the paths
the apps serving them declare with `register_index_paths()`: search's pages,
feeds, countries and the API). A change that alters every page (the main
menu, a move, a slug, images, site settings, and the models content apps
declare with `register_site_wide_models()`: research's taxonomy) purges
everything, and with it the fragments keyed with `site_version()` (the main
menu, the footer's form). This module names no content app: they call it.
"""

import contextlib

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Page, Site, get_page_models
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from . import edge, i18n, pagecache

# The pages built from the whole index, purged with every publish: the sitemap here, and
# whatever the apps that serve them declare with register_index_paths() (search's pages).
INDEX_TREES = set()
INDEX_EXACT = {"/sitemap.xml"}
# Models shown on many pages: any change to them purges the whole cache. These are the site
# core's; content apps add theirs with register_site_wide_models() (research: its taxonomy).
SITE_WIDE_MODELS = (
    "portal.PortalImage",
    "wagtaildocs.Document",
    "portal.SiteSettings",
    "wagtailcore.Site",
    "wagtailcore.PageViewRestriction",  # a page made private must leave the cache and the menu
    "wagtailcore.Locale",  # a language added or removed changes every page's language links
)


def register_index_paths(trees=(), exact=()):
    """Paths whose pages are built from every page (search, feeds): purged on every publish.
    `trees` are purged with everything under them, `exact` alone. Call from AppConfig.ready()."""
    INDEX_TREES.update(trees)
    INDEX_EXACT.update(exact)


def _in_every_language(paths):
    """ "/search/" -> it and "/fr/search/", "/pt/search/": index pages are served under every
    language's prefix, and registered without one."""
    return set(paths) | {f"/{code}{path}" for path in paths for code in i18n.codes()[1:]}


def is_index_path(path):
    """Is this (unprefixed) path one of the pages built from the whole index?"""
    return path in INDEX_EXACT or any(path.startswith(tree) for tree in INDEX_TREES)


def register_site_wide_models(*models):
    """Models shown on many pages (taxonomy): saving or deleting one purges every page.
    Call from AppConfig.ready()."""
    for model in models:
        label = model._meta.label
        post_save.connect(
            _on_site_wide_change, sender=model, dispatch_uid=f"pagecache_save_{label}"
        )
        post_delete.connect(
            _on_site_wide_change, sender=model, dispatch_uid=f"pagecache_delete_{label}"
        )


def page_path(page):
    """The page's path on its site ("/research/iccm/"), or None when it has no URL."""
    parts = page.get_url_parts()
    return parts[2] if parts else None


def _paths(pages):
    return {path for path in (page_path(page) for page in pages) if path}


def _is_site_root(page):
    """A site's root page, or its translation (the home page of /fr/ or /pt/)."""
    return Site.objects.filter(root_page__translation_key=page.translation_key).exists()


def _in_menu(page):
    """A top-level page, or a site root, in any language: its title or URL is (or was, until
    this change) in every page's menu."""
    return page.is_root() or _is_site_root(page) or _is_site_root(page.get_parent())


def site_version(request=None):
    """The stamp purge_all() changes, read once per request: key a fragment every page shares
    (the main menu, the footer's form) with it, and it is purged on the same events as every
    page."""
    version = getattr(request, "_site_version", None)
    if version is None:
        version = pagecache.site_stamp()
        if request is not None:
            request._site_version = version
    return version


def fragment_timeout():
    """Seconds a shared fragment lives (PAGE_CACHE["FRAGMENT_TIMEOUT"]; also with the page
    cache off): 600 with Redis; with per-process memory, where a purge reaches only the
    process that made it, 60, or 0 (nothing kept) with an edge in front."""
    return int(settings.PAGE_CACHE.get("FRAGMENT_TIMEOUT", 60))


def kept(key, make):
    """The value kept under `key` for fragment_timeout(), made (and kept) on a miss; made every
    time when `key` is None or the cache is down. Key it with site_version() (or stamps that
    change as often as what it shows) so that it is purged with the pages."""
    timeout = fragment_timeout()
    if key is None or timeout <= 0:
        return make()
    cache = caches["default"]
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache error is a miss
        value = None
    if value is None:
        value = make()
        with contextlib.suppress(Exception):  # served all the same
            cache.set(key, value, timeout)
    return value


def _listing_pages():
    from .models import ListingPage

    models = [model for model in get_page_models() if issubclass(model, ListingPage)]
    return Page.objects.live().type(*models) if models else Page.objects.none()


def purge_page(page):
    """Purge what shows this page (see the module docstring)."""
    page = page.specific
    if _in_menu(page):
        purge_all()
        return
    # Its translations list it in their hreflang links and language switcher.
    dependents = [*getattr(page, "cache_dependents", list)(), *page.get_translations()]
    shown = [*page.get_ancestors(), *dependents, *_listing_pages()]
    for dependent in dependents:
        shown += dependent.get_ancestors()
    own = page_path(page)
    exact = _paths(shown) | _in_every_language(INDEX_EXACT)
    trees = {own, *_in_every_language(INDEX_TREES)} - {None}
    pagecache.purge(exact=exact, trees=trees)
    # The edge: the same pages by surrogate key (portal.edge), the same paths for URL-only CDNs.
    keys = {edge.tree_key(page), "index", *(f"p{shown_page.pk}" for shown_page in shown)}
    edge.purge_keys(keys, paths=exact | {f"{tree}*" for tree in trees})


def purge_index():
    """The pages built from the whole index (search's pages, feeds, the API), and no other:
    for a change to how search answers (a synonym, a promoted result), not to a page."""
    exact, trees = _in_every_language(INDEX_EXACT), _in_every_language(INDEX_TREES)
    pagecache.purge(exact=exact, trees=trees)
    edge.purge_keys({"index"}, paths=exact | {f"{tree}*" for tree in trees})


def purge_all():
    """Every page, in the portal's cache and at the edge."""
    pagecache.purge_all()
    edge.purge_keys({"all"}, paths={"/*"})


def _on_publish_change(sender, instance, **kwargs):
    purge_page(instance)


# Saves that only record facts about a file (Wagtail fills these in lazily on first use).
BOOKKEEPING_FIELDS = {"file_size", "file_hash"}


def _on_site_wide_change(sender, update_fields=None, created=False, **kwargs):
    if update_fields and set(update_fields) <= BOOKKEEPING_FIELDS:
        return
    if created and issubclass(sender, BaseSiteSetting):
        return  # made with its defaults on a site's first request: nothing shown changes
    purge_all()


def connect():
    page_published.connect(_on_publish_change, dispatch_uid="pagecache_published")
    page_unpublished.connect(_on_publish_change, dispatch_uid="pagecache_unpublished")
    page_slug_changed.connect(_on_site_wide_change, dispatch_uid="pagecache_slug")
    post_page_move.connect(_on_site_wide_change, dispatch_uid="pagecache_move")
    post_delete.connect(_on_page_delete, dispatch_uid="pagecache_page_delete")
    models = []
    for label in SITE_WIDE_MODELS:
        try:
            models.append(apps.get_model(label))
        except LookupError:
            continue
    register_site_wide_models(*models)


def _on_page_delete(sender, instance, **kwargs):
    if isinstance(instance, Page) and instance.live:
        purge_all()
