from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from portal.newsletter.tracking import webhook as tracking_webhook
from portal.sitemaps import TranslatedSitemap
from portal.views import media_image, robots_txt
from search import feeds as search_feeds
from search import views as search_views
from search.api import api_router

# The database unreachable: a 503 page, whichever middleware or view raised (portal/outage.py).
handler500 = "portal.outage.server_error"

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": TranslatedSitemap}}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("api/search/", search_views.search_api, name="search_api"),
    path("api/search/suggest/", search_views.suggest_api, name="search_suggest"),
    path("api/v2/", api_router.urls),
    # Email providers' tracking webhooks (django-anymail): bounces and complaints suppress.
    path("anymail/<path:path>", tracking_webhook, name="anymail_webhook"),
]

# What readers read, in each language: English at the root (so existing links keep working),
# French under /fr/ and Portuguese under /pt/. The prefix alone chooses the language.
public = [
    path("newsletter/", include("portal.newsletter.urls")),
    path("feed/", search_feeds.SearchFeed(), name="feed"),
    path("feed/atom/", search_feeds.AtomSearchFeed(), name="feed_atom"),
    path("feed/news/", search_feeds.NewsFeed(), name="news_feed"),
    path("feed/news/atom/", search_feeds.AtomNewsFeed(), name="news_feed_atom"),
    path("search/", include("search.urls")),
    path("countries/", search_views.country_index, name="country_index"),
    path("countries/<str:code>/", search_views.country, name="country"),
]

if settings.SERVE_MEDIA and not settings.DEBUG:
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/images/<path:path>", media_image, name="media_image")
    )

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other URL from the page tree (the locale's own tree): keep this last.
urlpatterns += i18n_patterns(
    *public, path("", include(wagtail_urls)), prefix_default_language=False
)
