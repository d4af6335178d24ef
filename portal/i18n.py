"""The portal's languages: which one a request is in, and where each page is in the others.

The URL prefix alone chooses the language (English at the root, /fr/, /pt/): a crawler or a
shared link lands where it points, so nothing here reads Accept-Language or redirects. The
reader's choice is remembered in the browser (portal/static/portal/js/language.js), which
only ever offers a link.
"""

from dataclasses import dataclass

from django.conf import settings
from django.middleware import locale
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.cache import cc_delim_re
from wagtail.models import Locale, Page, Site


def codes():
    """The language codes of settings.LANGUAGES, the default first."""
    return [code for code, _name in settings.LANGUAGES]


def names():
    """{code: the language's name in itself}, from settings.LANGUAGES."""
    return dict(settings.LANGUAGES)


def unprefixed(path):
    """The path without its language prefix: "/fr/search/" -> "/search/"."""
    for code in codes()[1:]:
        if path == f"/{code}" or path.startswith(f"/{code}/"):
            return path[len(code) + 1 :] or "/"
    return path


def active():
    """The active language's code ("fr"), one of codes()."""
    return translation.get_supported_language_variant(translation.get_language() or "en")


@dataclass(frozen=True)
class Alternate:
    """One language's version of what a reader is looking at."""

    code: str
    name: str
    url: str  # absolute (hreflang, the sitemap); the language's home when not `translated`
    href: str  # the same, relative to this site when it is on it (the switcher's links)
    translated: bool
    current: bool


def _home(code, request):
    site = Site.find_for_request(request) if request else None
    if site is None:
        return None
    home = site.root_page.get_translation_or_none(Locale.objects.get_for_language(code))
    return home if home is not None and home.live else None


def home_url(code, request, full=True):
    """The URL of the site's home page in `code` (or of that language's root, /fr/):
    absolute, or relative to this site when `full` is False."""
    home = _home(code, request)
    if home is not None:
        return home.get_full_url(request) if full else home.get_url(request)
    with translation.override(code):
        path = reverse("wagtail_serve", args=[""])
    return request.build_absolute_uri(path) if full else path


def alternates(request, page=None):
    """Every language's version of `page` (its live translations), or, for a view that is
    not a page (search, countries, the newsletter), of the same URL under each prefix.

    A language with no translation of the page points at its home page, with
    `translated=False`, so the switcher can say so and hreflang can leave it out.
    """
    if request is None:
        return []
    current = active()
    if isinstance(page, Page):
        found = {
            p.locale.language_code: p
            for p in page.get_translations(inclusive=True).live().select_related("locale")
        }
        return [
            Alternate(
                code,
                name,
                found[code].get_full_url(request) if code in found else home_url(code, request),
                found[code].get_url(request) if code in found else home_url(code, request, False),
                code in found,
                code == current,
            )
            for code, name in settings.LANGUAGES
        ]
    path = request.get_full_path()
    return [
        Alternate(
            code,
            name,
            request.build_absolute_uri(translate_url(path, code)),
            translate_url(path, code),
            True,
            code == current,
        )
        for code, name in settings.LANGUAGES
    ]


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, minus `Vary: Accept-Language`: the prefix alone chooses the language, so one
    URL is one response for every reader, and caches keep one copy of it."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if response.has_header("Vary"):
            kept = [
                v for v in cc_delim_re.split(response["Vary"]) if v.lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


def in_language(pages, code=None):
    """Each page's live public translation in `code` (default: the active language), or the
    page itself where it has none, in order and in one query.

    Relations (a brief's studies, featured pages, links) point at the pages an editor chose,
    usually English ones; readers should follow them to their own language's version.
    """
    pages = list(pages)
    locale = Locale.objects.filter(language_code=code or active()).first()
    others = {p.translation_key for p in pages if locale and p.locale_id != locale.pk}
    found = {}
    if others:
        found = {
            p.translation_key: p
            for p in Page.objects.filter(translation_key__in=others, locale=locale)
            .live()
            .public()
            .specific()
        }
    return [found.get(p.translation_key, p) for p in pages]


def one_per_translation(pages, code=None):
    """`pages` with each translation set once: the version in `code` (the active language),
    else the default language's, else the first; in the order of their first appearance."""
    code = code or active()
    groups = {}
    for page in pages:
        groups.setdefault(page.translation_key, []).append(page)

    def best(versions):
        by_code = {p.locale.language_code: p for p in versions}
        return by_code.get(code) or by_code.get(settings.LANGUAGE_CODE) or versions[0]

    return [best(versions) for versions in groups.values()]
