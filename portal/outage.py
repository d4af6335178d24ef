"""While the database is unreachable, answer 503 with Retry-After, never a 500.

Two entry points share one response, because Django turns an exception into a
response inside each middleware layer (`convert_exception_to_response`), so no
middleware ever sees another layer's exception:

- `OutageMiddleware.process_exception` catches a view's error (most of them:
  Wagtail's page lookup, the newsletter signup) before Django logs it or sends
  `got_request_exception`, which error trackers report;
- `server_error`, the URLconf's handler500, catches the rest (a session or
  auth middleware, Wagtail's redirects, the 404 page) from `sys.exc_info()`,
  and renders Django's own 500 page for anything else.

The page is rendered without a request, so no context processor (the site
settings, the user) touches the database. It is never cached: the page cache
and the edge store only 200s, and it says `no-store`. Page-cache hits need no
database and keep being served. Every request of an outage fails the same way,
so the log gets one warning line every few seconds, not a traceback each time.
"""

import logging
import sys

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

from .log_filters import Throttle

logger = logging.getLogger(__name__)
throttle = Throttle(seconds=5)
logger.addFilter(throttle)

ERRORS = (OperationalError, InterfaceError)


def database_unavailable(error):
    """The database error behind `error` (itself or what it was raised from), or None."""
    while error is not None:
        if isinstance(error, ERRORS):
            return error
        error = error.__cause__
    return None


def unavailable(request, error):
    """The 503 page, logged once here instead of as Django's error with a traceback."""
    reason = (str(error).strip().splitlines() or [""])[0]
    logger.warning(
        "Database unavailable (%s: %s): answering 503 to %s %s; repeats are not logged for 5 s",
        type(error).__name__,
        reason,
        request.method,
        request.path,
    )
    retry_after = int(settings.OUTAGE_RETRY_AFTER)
    context = {"retry_after": retry_after, "sent": request.method not in ("GET", "HEAD")}
    response = HttpResponse(loader.render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # django.utils.log.log_response: not again, as an error
    return response


class OutageMiddleware:
    """Turn a view's database error into the 503 page (handler500 covers other middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        error = database_unavailable(exception)
        return unavailable(request, error) if error is not None else None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: the 503 page when the error is the database's, else Django's 500 page."""
    error = database_unavailable(sys.exc_info()[1])
    if error is not None:
        return unavailable(request, error)
    return defaults.server_error(request, template_name)
