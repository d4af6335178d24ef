"""Thin views: validate parameters, ask the configured backend, render."""

from dataclasses import replace

from django.apps import apps
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from . import languages, suggestions
from .backends import get_search_backend
from .facets import LANGUAGE
from .query import InvalidSearch, SearchParams


def uncached_if_fallback(response, results):
    """A fallback answer (the engine was down) is kept by no cache, ours or a browser's,
    so the outage does not outlive itself."""
    if results is not None and results.fallback:
        patch_cache_control(response, no_cache=True)
    return response


def _run(request, fixed_filters=None):
    """(params, results, errors) for this request's GET parameters."""
    try:
        params = SearchParams.for_request(request.GET)
    except InvalidSearch as invalid:
        return None, None, invalid.errors
    if fixed_filters:
        params = replace(params, filters={**params.filters, **fixed_filters})
    return params, get_search_backend().search(params), None


def search(request):
    """/search/: the form, facets with counts and results; every state is a GET URL."""
    params, results, errors = _run(request)
    context = {
        "params": params,
        "results": results,
        "errors": errors,
        "search_query": request.GET.get("q", ""),
    }
    response = render(request, "search/search.html", context, status=400 if errors else 200)
    return uncached_if_fallback(response, results)


def search_api(request):
    """/api/search/: the same search as JSON; 400 names each bad parameter. It is not under a
    language prefix, so `lang` defaults to English, as at /search/; `lang=all` for every
    language."""
    params, results, errors = _run(request)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    response = JsonResponse(results.as_json(), json_dumps_params={"ensure_ascii": False})
    return uncached_if_fallback(response, results)


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
    context = {"country": country, "params": params, "results": results, "errors": errors}
    response = render(request, "search/country_page.html", context, status=400 if errors else 200)
    return uncached_if_fallback(response, results)
