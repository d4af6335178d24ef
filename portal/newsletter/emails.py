"""The emails, built as plain dicts so the outbox can store and resend them.

Every email carries an unsubscribe link in its body and the List-Unsubscribe
and List-Unsubscribe-Post headers (RFC 8058), so mail clients offer one click.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from .tokens import make_confirm_token, make_unsubscribe_token


def _build(template, to, base_url, subject, **context):
    unsubscribe_url = base_url + reverse(
        "newsletter:unsubscribe", args=[make_unsubscribe_token(to)]
    )
    context = {
        **context,
        "unsubscribe_url": unsubscribe_url,
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    return {
        "to": to,
        "subject": subject,
        "text": render_to_string(f"newsletter/email/{template}.txt", context),
        "html": render_to_string(f"newsletter/email/{template}.html", context),
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }


def confirmation(signup, base_url):
    confirm_url = base_url + reverse("newsletter:confirm", args=[make_confirm_token(signup)])
    subject = f"Confirm your email updates from {settings.WAGTAIL_SITE_NAME}"
    return _build("confirm", signup["e"], base_url, subject, confirm_url=confirm_url)


def already_subscribed(signup, base_url):
    """Sent instead of a confirmation when the address is on the list (the page says the same
    either way).

    Its link applies the details just submitted (new interests, a new name), so
    a subscriber can change them, and nobody else can.
    """
    update_url = base_url + reverse("newsletter:confirm", args=[make_confirm_token(signup)])
    subject = f"You already receive email updates from {settings.WAGTAIL_SITE_NAME}"
    return _build("already_subscribed", signup["e"], base_url, subject, update_url=update_url)
