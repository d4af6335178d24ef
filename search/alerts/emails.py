"""The alert's emails, built as the newsletter builds its own (portal.newsletter.emails.build):
in the reader's language, with a plain-text part and the one-click stop headers (RFC 8058)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.newsletter.emails import build
from portal.newsletter.models import known_language

from . import following


def _url(base_url, name, *args):
    return base_url + reverse(name, args=args)


def confirmation(signup, base_url):
    """In the language of the page the reader asked from."""
    with translation.override(known_language(signup.get("l"))):
        confirm_url = _url(base_url, "search_alerts:confirm", following.confirm_token(signup))
        manage_url = _url(base_url, "search_alerts:manage", following.manage_token(signup["e"]))
        subject = _("Confirm your search alert from %(site)s") % {
            "site": settings.WAGTAIL_SITE_NAME
        }
        return build(
            "search_alerts/email/confirm",
            signup["e"],
            subject,
            manage_url,
            confirm_url=confirm_url,
            search_url=_url(base_url, "search") + (f"?{signup['q']}" if signup["q"] else ""),
            manage_url=manage_url,
        )


def digest(alert, hits, described, more, base_url):
    """One alert's digest of `hits` (new results, newest first); `more` when there are more
    new results than a digest lists (the email links to the search for them)."""
    with translation.override(known_language(alert.language)):
        stop_url = _url(base_url, "search_alerts:stop", following.stop_token(alert))
        search_url = _url(base_url, "search") + (f"?{alert.query}" if alert.query else "")
        subject = ngettext(
            "%(count)s new result: %(search)s",
            "%(count)s new results: %(search)s",
            len(hits),
        ) % {"count": len(hits), "search": described or _("everything published")}
        items = [
            {
                "title": hit.title,
                "url": hit.url if "://" in hit.url else base_url + hit.url,
                "type": hit.type_label,
                "date": hit.date,
                "places": ", ".join(name for _code, name in hit.countries),
                "snippet": strip_tags(str(hit.snippet)),
            }
            for hit in hits
        ]
        return build(
            "search_alerts/email/digest",
            alert.email,
            subject,
            stop_url,
            headers={"List-Id": f"<alert-{alert.pk}.{_list_domain(base_url)}>"},
            items=items,
            described=described,
            more=more,
            search_url=search_url,
            stop_url=stop_url,
            manage_url=_url(base_url, "search_alerts:manage", following.manage_token(alert.email)),
            frequency=alert.get_frequency_display(),
        )


def _list_domain(base_url):
    return base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
