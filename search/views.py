"""Plain text search over live pages (faceted search is a later issue)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from wagtail.models import Page

MAX_QUERY_LENGTH = 500


def search(request):
    """Render /search/?q=...; a bad query gets a 400 page that says why."""
    query = request.GET.get("q", "").strip()
    error = None
    if len(query) > MAX_QUERY_LENGTH:
        error = f"The search text is too long: at most {MAX_QUERY_LENGTH} characters."
    elif any(ord(ch) < 32 for ch in query):
        error = "The search text contains control characters."
    if error:
        return render(request, "search/search.html", {"search_query": "", "error": error}, status=400)

    results = Page.objects.live().public().specific().search(query) if query else Page.objects.none()
    page = Paginator(results, 20).get_page(request.GET.get("page"))
    return render(request, "search/search.html", {"search_query": query, "search_results": page})
