"""The emails, built as plain dicts so the outbox can store and resend them.

Each is rendered in its reader's language (`translation.override`): subject, both parts and
the links, which reverse under the language's prefix (/fr/newsletter/…), so the pages they
open speak it too. Every email carries an unsubscribe link in its body and the
List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058), so mail clients offer one click.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import known_language
from .tokens import make_confirm_token, make_unsubscribe_token


def _build(template, to, base_url, subject, **context):
    """The email in the active language (the callers' override)."""
    unsubscribe_url = base_url + reverse(
        "newsletter:unsubscribe", args=[make_unsubscribe_token(to)]
    )
    return build(f"newsletter/email/{template}", to, subject, unsubscribe_url, **context)


def build(template, to, subject, unsubscribe_url, headers=None, **context):
    """An email as the outbox stores it, in the active language: `template`.txt and .html
    rendered with `context`, and the one-click unsubscribe headers for `unsubscribe_url`."""
    language = translation.get_language()
    context = {
        **context,
        "unsubscribe_url": unsubscribe_url,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "language": language,
    }
    return {
        "to": to,
        "language": language,
        "subject": subject,
        "text": render_to_string(f"{template}.txt", context),
        "html": render_to_string(f"{template}.html", context),
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": language,
            **(headers or {}),
        },
    }


def confirmation(signup, base_url):
    """In the language the signup chose: whoever asked reads it."""
    with translation.override(known_language(signup.get("l"))):
        confirm_url = base_url + reverse("newsletter:confirm", args=[make_confirm_token(signup)])
        subject = _("Confirm your email updates from %(site)s") % {
            "site": settings.WAGTAIL_SITE_NAME
        }
        return _build("confirm", signup["e"], base_url, subject, confirm_url=confirm_url)


def already_subscribed(signup, base_url, language):
    """Sent instead of a confirmation when the address is on the list (the page says the same
    either way), in the subscriber's own `language`.

    Its link applies the details just submitted (new interests, a new name, a new language),
    so a subscriber can change them, and nobody else can.
    """
    with translation.override(known_language(language)):
        update_url = base_url + reverse("newsletter:confirm", args=[make_confirm_token(signup)])
        subject = _("You already receive email updates from %(site)s") % {
            "site": settings.WAGTAIL_SITE_NAME
        }
        return _build("already_subscribed", signup["e"], base_url, subject, update_url=update_url)
