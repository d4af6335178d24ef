"""What readers search for, for the staff's report under Reports → Searches: top queries,
queries that found nothing, and queries after which no result was opened, per week and
language.

A search counts once, when the reader submits it: the form's Search button sends `s=1`
(paging, facet links and "Apply filters" do not), and a submission from a results page for
the same words (a new sort, a filter) is a refinement of the search already counted. That
submitted page is never cached, by the portal or the edge, so every submission reaches
here; everything after it (paging, facets) is cached as before. The page carries the row's
random token; search-report.js keeps it for the tab
(sessionStorage) and sends it once when a result of that search is opened. Nothing about
who searched is stored: no address, no user agent, no time finer than the week; rows
older than SEARCH_REPORT_WEEKS go with `search_index report --prune`.
"""

import datetime
import uuid
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db.models import Avg, Count, Q
from django.utils import timezone
from wagtail.search.utils import normalise_query_string

from . import languages
from .facets import LANGUAGE
from .models import SearchQuery

SUBMITTED = "s"  # the Search button's parameter: name="s" value="1"
MAX_QUERY = 200


def week_of(day):
    return day - datetime.timedelta(days=day.weekday())


def normalise(q):
    return normalise_query_string(q)[:MAX_QUERY]


def is_submission(request, params):
    """A search the reader submitted with the Search button, with words, that is not a
    refinement (same words, from a results page) of the one before."""
    if request.GET.get(SUBMITTED) != "1" or not params.q:
        return False
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc and referer.netloc != request.get_host():
        return True
    before = parse_qs(referer.query).get("q", [""])[0]
    return normalise(before) != normalise(params.q)


def record(request, params, results):
    """Count a submitted search; the row's token, or None when this is not one."""
    if results is None or not is_submission(request, params):
        return None
    selected = params.selected(LANGUAGE)
    row = SearchQuery.objects.create(
        week=week_of(timezone.localdate()),
        language=selected[0] if len(selected) == 1 else languages.ALL,
        query=normalise(params.q),
        results=results.total,
        token=uuid.uuid4(),
    )
    return row.token


def mark_clicked(token):
    """A result of the search `token` names was opened (a second time changes nothing)."""
    return SearchQuery.objects.filter(token=token, clicked=False).update(clicked=True)


def weeks(count=12):
    """The Mondays of the last `count` weeks, newest first."""
    this = week_of(timezone.localdate())
    return [this - datetime.timedelta(weeks=n) for n in range(count)]


def summary(week, language="", limit=50):
    """{"searches", "top", "no_results", "no_click"} of one week (and language, if given)."""
    rows = SearchQuery.objects.filter(week=week)
    if language:
        rows = rows.filter(language=language)
    grouped = rows.values("query", "language").annotate(
        searches=Count("id"),
        clicks=Count("id", filter=Q(clicked=True)),
        zero=Count("id", filter=Q(results=0)),
        average=Avg("results"),
    )
    return {
        "searches": rows.count(),
        "top": list(grouped.order_by("-searches", "query")[:limit]),
        "no_results": list(grouped.filter(zero__gt=0).order_by("-zero", "query")[:limit]),
        "no_click": list(
            grouped.filter(clicks=0, average__gt=0).order_by("-searches", "query")[:limit]
        ),
    }


def prune():
    """Delete the rows older than SEARCH_REPORT_WEEKS weeks; return how many."""
    keep = settings.SEARCH_REPORT_WEEKS
    oldest = week_of(timezone.localdate()) - datetime.timedelta(weeks=keep)
    return SearchQuery.objects.filter(week__lt=oldest).delete()[0]
