"""Signup, confirmation and unsubscribe pages; the logic lives in subscriptions.py."""

import logging

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import ratelimit, subscriptions
from .forms import SignupForm
from .tokens import InvalidToken, read_confirm_token, read_unsubscribe_token

logger = logging.getLogger(__name__)


def base_url(request):
    """The site's address as the request reached it, for the links in emails."""
    return request.build_absolute_uri("/").rstrip("/")


def cross_site(request):
    """A browser said this POST came from another site (Fetch Metadata, else Origin).

    The signup form carries no CSRF token, so the pages that show it in their
    footer hold nothing personal and can be cached for everyone. A token would
    not protect anything here: anyone can post a signup directly, and double
    opt-in means nobody is subscribed without their own click. Cross-site posts
    are still refused, so another site cannot make its visitors sign up.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin == "null"
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    return origin not in allowed


@csrf_exempt  # no token by design: see cross_site()
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """/newsletter/: the form; a POST answers the same way whether or not the address is known."""
    if request.method == "GET":
        form = SignupForm(initial={"source": request.GET.get("from", "")})
        return render(request, "newsletter/signup_page.html", {"form": form})
    if cross_site(request):
        message = _(
            "This form can only be sent from this site's own pages. Please sign up here instead."
        )
        context = {
            "form": SignupForm(),
            "limited": message,
            "limited_title": _("Sent from another site"),
        }
        return render(request, "newsletter/signup_page.html", context, status=403)
    if ratelimit.ip_limited(request):
        return _too_many(request)
    form = SignupForm(request.POST)
    if form.is_spam:
        logger.warning(
            "Newsletter: honeypot filled from %s; signup dropped", ratelimit.client_ip(request)
        )
        return render(
            request, "newsletter/signup_done.html", {"email": request.POST.get("email", "")[:254]}
        )
    if not form.is_valid():
        return render(request, "newsletter/signup_page.html", {"form": form}, status=400)
    if ratelimit.email_limited(form.cleaned_data["email"]):
        return _too_many(request)
    subscriptions.sign_up(form.signup(), base_url(request))
    return render(request, "newsletter/signup_done.html", {"email": form.cleaned_data["email"]})


def _too_many(request):
    message = _(
        "Too many signups have come from your connection or for this address. "
        "Please try again in an hour."
    )
    return render(
        request,
        "newsletter/signup_page.html",
        {"form": SignupForm(), "limited": message},
        status=429,
    )


@never_cache
def confirm(request, token):
    """/newsletter/confirm/<token>/: following the emailed link subscribes (again: no change)."""
    try:
        signup = read_confirm_token(token)
    except InvalidToken as invalid:
        context = {"error": str(invalid), "expired": invalid.expired, "form": SignupForm()}
        return render(request, "newsletter/confirm_invalid.html", context, status=400)
    subscriber, changed = subscriptions.confirm(signup)
    return render(
        request, "newsletter/confirmed.html", {"subscriber": subscriber, "changed": changed}
    )


# The signed token authorises it; mail clients' one-click POST (RFC 8058) has no cookie.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """/newsletter/unsubscribe/<token>/: GET asks (link scanners must not unsubscribe people),
    POST does it."""
    try:
        email = read_unsubscribe_token(token)
    except InvalidToken as invalid:
        return render(request, "newsletter/unsubscribe.html", {"error": str(invalid)}, status=400)
    if request.method == "GET":
        return render(request, "newsletter/unsubscribe.html", {"email": email})
    subscriber, changed = subscriptions.unsubscribe(email)
    return render(request, "newsletter/unsubscribed.html", {"email": email, "changed": changed})
