"""Thin views: validate parameters, ask the configured backend, render."""

import uuid
from dataclasses import replace

from django.apps import apps
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import languages, report, suggestions
from .backends import get_search_backend
from .facets import LANGUAGE
from .query import InvalidSearch, SearchParams


def uncached_if_fallback(response, results, request=None):
    """A fallback answer (the engine was down) is kept by no cache, ours or a browser's,
    so the outage does not outlive itself; nor is a submitted search the report counts
    (each submission must reach the view to be counted)."""
    if results is not None and results.fallback:
        patch_cache_control(response, no_cache=True)
    if request is not None and getattr(request, "search_token", None):
        patch_cache_control(response, private=True, no_cache=True)
    return response


def _run(request, fixed_filters=None):
    """(params, results, errors) for this request's GET parameters."""
    try:
        params = SearchParams.for_request(request.GET)
    except InvalidSearch as invalid:
        return None, None, invalid.errors
    if fixed_filters:
        params = replace(params, filters={**params.filters, **fixed_filters})
    results = get_search_backend().search(params)
    request.search_token = report.record(request, params, results)
    return params, results, None


def search(request):
    """/search/: the form, facets with counts and results; every state is a GET URL."""
    params, results, errors = _run(request)
    context = {
        "params": params,
        "results": results,
        "errors": errors,
        "search_query": request.GET.get("q", ""),
        "search_token": getattr(request, "search_token", None),
    }
    response = render(request, "search/search.html", context, status=400 if errors else 200)
    return uncached_if_fallback(response, results, request)


def search_api(request):
    """/api/search/: the same search as JSON; 400 names each bad parameter. It is not under a
    language prefix, so `lang` defaults to English, as at /search/; `lang=all` for every
    language."""
    params, results, errors = _run(request)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    response = JsonResponse(results.as_json(), json_dumps_params={"ensure_ascii": False})
    return uncached_if_fallback(response, results)


@csrf_exempt
@require_POST
def search_clicked(request):
    """POST /search/clicked/ token=<uuid>: a result of that submitted search was opened
    (search-report.js's beacon; nothing else is sent, nothing about the reader stored)."""
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return JsonResponse({"errors": {"token": _("must be a search's token.")}}, status=400)
    report.mark_clicked(token)
    return HttpResponse(status=204)


def suggest_api(request):
    """/api/search/suggest/?q=vacc&lang=fr: what the search box offers while typing, as
    JSON; 400 names each bad parameter."""
    try:
        text, code = suggestions.read(request.GET)
    except InvalidSearch as invalid:
        return JsonResponse({"errors": invalid.errors}, status=400)
    found = [suggestion.as_json() for suggestion in suggestions.suggest(text, code)]
    return JsonResponse({"q": text, "lang": code, "suggestions": found},
                        json_dumps_params={"ensure_ascii": False})  # fmt: skip


def country_index(request):
    """/countries/: every country with something published about it in the page's language."""
    Country = apps.get_model("research", "Country")
    params = SearchParams(page_size=1, filters={LANGUAGE: (languages.active(),)},
                          defaulted=frozenset({LANGUAGE}))  # fmt: skip
    results = get_search_backend().search(params)
    counts = {value.value: value.count for value in results.facets["country"]}
    countries = [
        (country, counts[country.code])
        for country in Country.objects.all()
        if counts.get(country.code)
    ]
    context = {"countries": countries, "results": results}
    response = render(request, "search/country_index.html", context)
    return uncached_if_fallback(response, results)


def country(request, code):
    """/countries/<code>/: everything about one country, narrowed by the other facets."""
    Country = apps.get_model("research", "Country")
    # Only two ASCII letters can be a code (as the model validates); anything else, NUL
    # included, is not found.
    is_code = len(code) == 2 and code.isascii() and code.isalpha()
    country = Country.objects.filter(code__iexact=code).first() if is_code else None
    if country is None:
        raise Http404("No such country")
    params, results, errors = _run(request, fixed_filters={"country": (country.code,)})
    context = {"country": country, "params": params, "results": results, "errors": errors,
               "search_token": getattr(request, "search_token", None)}  # fmt: skip
    response = render(request, "search/country_page.html", context, status=400 if errors else 200)
    return uncached_if_fallback(response, results, request)
