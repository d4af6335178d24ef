"""Signed links: confirmation (expiring, carries the signup) and unsubscribe (never expires).

The confirmation token carries what the person submitted, so a signup for an
address that is already on the list changes nothing until its owner confirms.
"""

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class InvalidToken(Exception):
    def __init__(self, message, expired=False):
        super().__init__(message)
        self.expired = expired


def make_confirm_token(signup):
    return signing.dumps(signup, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token):
    """The signup dict, or InvalidToken (expired or tampered)."""
    try:
        return signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER["CONFIRM_MAX_AGE"]
        )
    except signing.SignatureExpired as error:
        raise InvalidToken(_("This confirmation link has expired."), expired=True) from error
    except signing.BadSignature as error:
        raise InvalidToken(_("This confirmation link is not valid.")) from error


def sign(value, salt):
    """A signed link token for `value` (any JSON), for apps that mail readers (search alerts)."""
    return signing.dumps(value, salt=salt, compress=True)


def read(token, salt, message, max_age=None):
    """The value of a token from `sign`, or InvalidToken with `message` (expired: `expired`)."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise InvalidToken(message, expired=True) from error
    except signing.BadSignature as error:
        raise InvalidToken(message) from error


def make_unsubscribe_token(email):
    return signing.dumps(email.lower(), salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token):
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise InvalidToken(_("This unsubscribe link is not valid.")) from error
