"""What a Wagtail site searches with when it does not have this project: the baseline the
search benchmark runs beside the portal, on the same corpus and in the same run.

The view is the one bakerydemo (Wagtail's demo site) ships: `Page.objects.live().search(q)`
through Wagtail's search backend (modelsearch: its database backend, or `opensearch3`, its
OpenSearch backend for the opensearch-py 3 client pinned here; `opensearch2` calls that
client the old way), a Django `Paginator`, and a template listing each result's title, link
and search description, inside the portal's own page chrome (`base.html`) so that the two
pages differ by their search and not by their header. It counts no facets, expands no
synonyms and promotes nothing. Unlike bakerydemo's, it records no hit for the query (a
write per search), as the benchmark's portal queries are not counted in the search report.
"""

import time

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path

# The portal's own search page size; deep pages ask for theirs.
PAGE_SIZE = 20
BACKEND = "bench_baseline"  # the WAGTAILSEARCH_BACKENDS entry the view searches with
PREFIX = "bench_wagtail_"  # its OpenSearch indices

TEMPLATE = """{% extends "base.html" %}{% load wagtailcore_tags %}
{% block title %}Search{% endblock %}
{% block content %}<div class="wrap"><h1>Search</h1>
<form action="" method="get"><input type="search" name="q" value="{{ search_query }}">
<button type="submit">Search</button></form>
{% if search_results %}<ul>{% for result in search_results %}
<li><h2><a href="{% pageurl result %}">{{ result.title }}</a></h2>
{% if result.search_description %}<p>{{ result.search_description }}</p>{% endif %}</li>
{% endfor %}</ul>
{% with q=search_query|urlencode %}{% if search_results.has_previous %}
<a href="?q={{ q }}&amp;page={{ search_results.previous_page_number }}">Previous</a>{% endif %}
{% if search_results.has_next %}
<a href="?q={{ q }}&amp;page={{ search_results.next_page_number }}">Next</a>{% endif %}{% endwith %}
{% elif search_query %}<p>No results found</p>{% endif %}</div>{% endblock %}
"""


def search(request):
    """bakerydemo's search view, with the backend named and the page size of the query."""
    from wagtail.models import Page

    search_query = request.GET.get("q")
    if search_query:
        search_results = Page.objects.live().search(search_query, backend=BACKEND)
    else:
        search_results = Page.objects.none()
    size = int(request.GET.get("page_size") or PAGE_SIZE)
    paginator = Paginator(search_results, size)
    try:
        search_results = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        search_results = paginator.page(1)
    except EmptyPage:
        search_results = paginator.page(paginator.num_pages)
    template = engines["django"].from_string(TEMPLATE)
    context = {"search_query": search_query, "search_results": search_results}
    return TemplateResponse(request, template, context)


def _urlpatterns():
    from portal import urls  # spread, not included: i18n_patterns belong to the root URLconf

    return [path("wagtail-search/", search), *urls.urlpatterns]


urlpatterns = _urlpatterns()


def use(backend, engine_url=None):
    """Point the baseline at Wagtail's database backend (`database`, what
    `WAGTAILSEARCH_BACKENDS` holds by default) or its OpenSearch backend, and route
    /wagtail-search/ to it."""
    from django.conf import settings

    if backend == "database":
        entry = {"BACKEND": "wagtail.search.backends.database"}
    else:
        entry = {
            "BACKEND": "modelsearch.backends.opensearch3",
            "URLS": [engine_url],
            "INDEX_PREFIX": PREFIX,
            "TIMEOUT": 30,
        }
    settings.WAGTAILSEARCH_BACKENDS = {**settings.WAGTAILSEARCH_BACKENDS, BACKEND: entry}
    settings.ROOT_URLCONF = __name__


def build_index(backend, pages):
    """Fill Wagtail's index for the baseline; the database one is reused when it already
    holds the corpus. Returns pages/s, or None when it was reused."""
    from django.core.management import call_command
    from wagtail.search.models import IndexEntry

    if backend == "database" and IndexEntry.objects.count() >= pages:
        print(f"   reusing Wagtail's database index ({IndexEntry.objects.count():,} entries)")
        return None
    started = time.perf_counter()
    call_command("update_index", backend_name=BACKEND, stdout=_Quiet(), chunk_size=1000)
    seconds = time.perf_counter() - started
    print(f"   Wagtail's {backend} index: {pages:,} pages in {seconds:.1f} s "
          f"({pages / seconds:,.0f} pages/s)")  # fmt: skip
    return pages / seconds


def drop_index(engine_url):
    """The baseline's OpenSearch indices, dropped at the end of a run."""
    from opensearchpy import OpenSearch

    try:
        OpenSearch([engine_url]).indices.delete(index=f"{PREFIX}*", ignore_unavailable=True)
        print(f"   dropped the {PREFIX}* indices")
    except Exception as error:  # noqa: BLE001 - clean-up: report whatever the client raises
        print(f"   could not drop the {PREFIX}* indices: {error}")


class _Quiet:
    """update_index prints a line per model and a dot per chunk; the bench prints the total."""

    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass
