"""Staff see what readers follow: alerts counted by search, under Reports.

Counts only, no addresses: who follows what is personal data, kept to the Newsletter
managers (view_searchalert), as the subscriber list is.
"""

from django.db.models import Count, Q
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import BaseListingView

from .models import SearchAlert

PERMISSION = "search_alerts.view_searchalert"


class FollowedSearchesView(BaseListingView):
    template_name = "search_alerts/admin/followed_searches.html"
    page_title = "Followed searches"
    header_icon = "mail"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        by = {f: Count("id", filter=Q(frequency=f)) for f in SearchAlert.Frequency.values}
        return (
            SearchAlert.objects.filter(stopped_at__isnull=True)
            .values("query", "language")
            .annotate(alerts=Count("id"), **by)
            .order_by("-alerts", "query", "language")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stopped"] = SearchAlert.objects.filter(stopped_at__isnull=False).count()
        context["frequencies"] = SearchAlert.Frequency.values
        return context


@hooks.register("register_admin_urls")
def register_followed_searches_url():
    return [
        path("reports/followed-searches/", FollowedSearchesView.as_view(), name="followed_searches")
    ]


class FollowedSearchesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_reports_menu_item")
def register_followed_searches_menu_item():
    return FollowedSearchesMenuItem(
        "Followed searches", reverse("followed_searches"), icon_name="mail", order=900
    )
