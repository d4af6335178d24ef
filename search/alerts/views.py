"""Follow a search by email: ask, confirm, stop one alert, list and stop them all.

The forms carry no CSRF token, as the newsletter's signup does not (see
portal.newsletter.views.cross_site): the pages that link to them are cached for everyone,
double opt-in means nothing starts without the reader's own click, and cross-site posts are
refused. Stopping is authorised by the signed link; a mail client's one-click POST (RFC 8058)
has no cookie, and a GET only asks, so a link scanner stops nothing.
"""

from dataclasses import replace

from django.conf import settings
from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.newsletter import ratelimit
from portal.newsletter.tokens import InvalidToken
from portal.newsletter.views import base_url, cross_site

from ..backends import get_search_backend
from ..query import InvalidSearch, SearchParams
from . import following
from .forms import AlertForm

FORM = "search_alerts/alert_form.html"


def _described(query):
    """The search in words ("Country: Mali; Type: Findings") and its current count."""
    try:
        params = SearchParams.for_request(QueryDict(query))
    except InvalidSearch:
        return "", None
    results = get_search_backend().search(replace(params, page_size=1))
    return results.describe(), results.total


def _form_page(request, form, status=200, **extra):
    query = form.data.get("query", "") if form.is_bound else form.initial.get("query", "")
    described, total = _described(query)
    context = {"form": form, "described": described, "total": total, "query": query, **extra}
    return render(request, FORM, context, status=status)


@csrf_exempt  # no token by design: see the module docstring
@never_cache
@require_http_methods(["GET", "POST"])
def new(request):
    """/search/alerts/?<search>: the form to follow that search; a POST asks for the alert."""
    if request.method == "GET":
        form = AlertForm(initial={"query": request.GET.urlencode()})
        if request.GET:  # a bad search says so at once, before anyone types an address
            check = AlertForm({"query": request.GET.urlencode()})
            check.is_valid()
            if "query" in check.errors:
                return _form_page(request, check, status=400)
        return _form_page(request, form)
    if cross_site(request):
        return _form_page(request, AlertForm(), status=403, limited=_(
            "This form can only be sent from this site's own pages."
        ))  # fmt: skip
    if ratelimit.ip_limited(request):
        return _too_many(request)
    form = AlertForm(request.POST)
    if form.is_spam:
        return render(request, "search_alerts/alert_asked.html", {"email": ""})
    if not form.is_valid():
        return _form_page(request, form, status=400)
    if ratelimit.email_limited(form.cleaned_data["email"]):
        return _too_many(request)
    following.ask(form.signup(), base_url(request))
    return render(request, "search_alerts/alert_asked.html", {"email": form.cleaned_data["email"]})


def _too_many(request):
    message = _(
        "Too many requests have come from your connection or for this address. "
        "Please try again in an hour."
    )
    form = AlertForm(initial={"query": request.POST.get("query", "")})
    return _form_page(request, form, status=429, limited=message)


@never_cache
def confirm(request, token):
    """/search/alerts/confirm/<token>/: following the emailed link starts the alert."""
    try:
        signup = following.read_confirm_token(token, settings.NEWSLETTER["CONFIRM_MAX_AGE"])
    except InvalidToken as invalid:
        context = {"error": str(invalid), "expired": invalid.expired}
        return render(request, "search_alerts/alert_invalid.html", context, status=400)
    alert, created = following.confirm(signup)
    context = {
        "alert": alert,
        "created": created,
        "described": _described(alert.query)[0],
        "manage_token": following.manage_token(alert.email),
    }
    return render(request, "search_alerts/alert_confirmed.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def stop(request, token):
    """/search/alerts/stop/<token>/: GET asks, POST stops (one click from the mail client)."""
    try:
        alert = following.alert_for_stop_token(token)
    except InvalidToken as invalid:
        return render(request, "search_alerts/alert_invalid.html", {"error": str(invalid)},
                      status=400)  # fmt: skip
    context = {
        "alert": alert,
        "described": _described(alert.query)[0],
        "manage_token": following.manage_token(alert.email),
    }
    if request.method == "POST":
        context["stopped"] = following.stop(type(alert).objects.filter(pk=alert.pk))
        alert.refresh_from_db()
    return render(request, "search_alerts/alert_stop.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def manage(request, token):
    """/search/alerts/manage/<token>/: every alert of an address, each with its stop button,
    and one to stop them all. No account: the signed link is the key."""
    try:
        email = following.email_for_manage_token(token)
    except InvalidToken as invalid:
        return render(request, "search_alerts/alert_invalid.html", {"error": str(invalid)},
                      status=400)  # fmt: skip
    stopped = following.stop(following.active_for(email)) if request.method == "POST" else None
    alerts = [
        (alert, _described(alert.query)[0], following.stop_token(alert))
        for alert in following.active_for(email).order_by("created_at")
    ]
    context = {"email": email, "alerts": alerts, "stopped": stopped}
    return render(request, "search_alerts/alert_manage.html", context)
