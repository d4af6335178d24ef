"""The sitemap in every language: each page once per translation, with the others (and
x-default, the default language's) as xhtml:link alternates, as the <head> lists them."""

from django.conf import settings
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class TranslatedSitemap(Sitemap):
    def items(self):
        roots = self.get_wagtail_site().root_page.get_translations(inclusive=True)
        pages = Page.objects.none()
        for root in roots:
            pages |= Page.objects.descendant_of(root, inclusive=True)
        return pages.live().public().order_by("path").defer_streamfields().specific()

    def _alternates(self, pages):
        """{translation_key: [{"location", "lang_code"}, ..., x-default]} for the live public
        translations of `pages`, in one query; keys with a single language get none."""
        found = {}
        translations = (
            Page.objects.filter(translation_key__in={p.translation_key for p in pages})
            .live()
            .public()
            .select_related("locale")
        )
        for page in translations:
            found.setdefault(page.translation_key, {})[page.locale.language_code] = (
                page.get_full_url(self.request)
            )
        alternates = {}
        for key, urls in found.items():
            if len(urls) < 2:
                continue
            rows = [
                {"location": urls[c], "lang_code": c} for c, _ in settings.LANGUAGES if c in urls
            ]
            default = urls.get(settings.LANGUAGE_CODE) or rows[0]["location"]
            alternates[key] = [*rows, {"location": default, "lang_code": "x-default"}]
        return alternates

    def _urls(self, page, protocol, domain):
        pages = list(self.paginator.page(page).object_list)
        alternates = self._alternates(pages)
        urls, last_mods = [], set()
        for item in pages:
            for url_info in item.get_sitemap_urls(self.request):
                url_info.setdefault("alternates", alternates.get(item.translation_key, []))
                urls.append(url_info)
                last_mods.add(url_info.get("lastmod"))
        if last_mods and None not in last_mods:
            self.latest_lastmod = max(last_mods)
        return urls
