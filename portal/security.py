"""Response headers Django does not set, and the admin's network limit.

Django's SecurityMiddleware already sends HSTS, nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sends X-Frame-Options.
This adds a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval'
to public HTML (the site has no inline script or style; JSON-LD is data, not
script) and a Permissions-Policy that turns off what a reading site never
needs. The Wagtail admin keeps its own rules: it is not public and relies on
inline code, so it is fenced by login, throttling and ADMIN_ALLOWED_NETWORKS.
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpResponseForbidden

logger = logging.getLogger(__name__)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
        "interest-cohort",
    )
)


def content_security_policy():
    """settings.CONTENT_SECURITY_POLICY (a dict of directive -> sources) as a header value."""
    return "; ".join(
        f"{name} {' '.join(sources)}".strip()
        for name, sources in settings.CONTENT_SECURITY_POLICY.items()
    )


def _is_admin(path):
    return any(path.startswith(prefix) for prefix in settings.ADMIN_PATH_PREFIXES)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        html = response.get("Content-Type", "").startswith("text/html")
        if html and not _is_admin(request.path_info):
            response.setdefault("Content-Security-Policy", self.csp)
        return response


class AdminNetworkMiddleware:
    """Refuse the admin (and its login) outside ADMIN_ALLOWED_NETWORKS, when that is set."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = [
            ipaddress.ip_network(net, strict=False) for net in settings.ADMIN_ALLOWED_NETWORKS
        ]

    def __call__(self, request):
        if self.networks and _is_admin(request.path_info) and not self._allowed(request):
            logger.warning(
                "Admin refused for %s (not in ADMIN_ALLOWED_NETWORKS)",
                request.META.get("REMOTE_ADDR"),
            )
            return HttpResponseForbidden(
                "The admin is only open to the organisation's networks (ADMIN_ALLOWED_NETWORKS).",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

    def _allowed(self, request):
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in network for network in self.networks)


class TrustedProxyMiddleware:
    """Behind a proxy, take the client's address from X-Forwarded-For, but only from
    TRUSTED_PROXIES.

    The admin throttle, the network limit and the signup rate limits key on
    REMOTE_ADDR; behind a proxy that is the proxy itself. The client is the
    right-most address in X-Forwarded-For that is not one of our proxies (the
    left-most could be anything the client typed).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = [ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES]

    def __call__(self, request):
        if self.proxies and self._trusted(request.META.get("REMOTE_ADDR", "")):
            hops = [
                hop.strip()
                for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                if hop.strip()
            ]
            for hop in reversed(hops):
                if not self._trusted(hop):
                    request.META["REMOTE_ADDR"] = hop
                    break
        return self.get_response(request)

    def _trusted(self, address):
        try:
            address = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(address in network for network in self.proxies)
