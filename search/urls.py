from django.urls import include, path

from . import feeds, views

urlpatterns = [
    path("", views.search, name="search"),
    path("clicked/", views.search_clicked, name="search_clicked"),
    path("feed/", feeds.SearchFeed(), name="search_feed"),
    path("feed/atom/", feeds.AtomSearchFeed(), name="search_feed_atom"),
    path("alerts/", include("search.alerts.urls")),
]
