"""Search's own admin: the equivalent terms editors keep ("Search" menu), and what readers
search for (Reports → Searches). Promoted results are Wagtail's own (Settings → Promoted
search results)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import languages, report
from .models import Synonym

REPORT_PERMISSION = "portal_search.view_search_report"


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "list-ul"
    menu_label = "Synonyms"
    list_display = ["terms", "language"]
    list_filter = ["language"]
    search_fields = ["terms"]
    ordering = ["terms"]


class SearchViewSetGroup(SnippetViewSetGroup):
    menu_label = "Search"
    menu_icon = "search"
    menu_order = 310
    items = (SynonymViewSet,)


register_snippet(SearchViewSetGroup)


@hooks.register("construct_reports_menu")
def hide_wagtails_search_terms(request, menu_items):
    """Wagtail's "Search terms" report counts only searches made through its own search
    view, which this site does not use: it would always be empty."""
    menu_items[:] = [item for item in menu_items if item.name != "search-terms"]


class SearchReportView(TemplateView):
    """Top queries, queries with no results and queries after which no result was opened,
    for one week and language (search/report.py)."""

    template_name = "search/admin/search_report.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        weeks = report.weeks()
        try:
            week = datetime.date.fromisoformat(self.request.GET.get("week", ""))
        except ValueError:
            week = weeks[0]
        week = report.week_of(week)
        codes = [*languages.codes(), languages.ALL]
        language = self.request.GET.get("language", "")
        language = language if language in codes else ""
        return {
            **super().get_context_data(**kwargs),
            "weeks": weeks if week in weeks else [week, *weeks],
            "week": week,
            "languages": codes,
            "language": language,
            **report.summary(week, language),
        }


@hooks.register("register_admin_urls")
def register_search_report_url():
    return [path("reports/searches/", SearchReportView.as_view(), name="search_report")]


class SearchReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(REPORT_PERMISSION)


@hooks.register("register_reports_menu_item")
def register_search_report_menu_item():
    return SearchReportMenuItem("Searches", reverse("search_report"), icon_name="search", order=910)


@hooks.register("register_permissions")
def register_search_report_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="portal_search", codename="view_search_report"
    )
