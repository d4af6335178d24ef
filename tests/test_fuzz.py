"""Bad input never gets a 500: hypothesis over every public URL's query parameters and every form.

A small site with every page type (tests/trees.py) is fuzzed through Django's
test client, which re-raises any exception a view lets escape, so a 500 fails
the example with its traceback. Every answer must be below 500, and a 4xx must
say what is wrong (a body; for a 400, the name of the bad parameter or field).

Runs are derandomized (the same examples every run, so CI is reproducible) and
each test has its own max_examples, sized so that the file takes well under a
minute on SQLite; FUZZ_EXAMPLES=<n> in the environment runs n examples per test.
"""

import html
import json
import os
import re
from urllib.parse import parse_qsl, quote

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.documents import get_document_model

from portal.attachments import extraction
from portal.demo import pdf
from portal.newsletter.models import Subscriber
from portal.newsletter.tokens import make_confirm_token, make_unsubscribe_token
from search import indexing
from search.collect import result_types
from search.facets import FACETS
from search.models import PendingIndexUpdate
from search.query import SORTS

from .fuzz_inputs import TEXT, encode, form_bodies, query_strings
from .helpers import PAGE_NAMES, build_site, clear_rate_limits

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None


def fuzz(examples):
    """Hypothesis settings for one fuzz test: reproducible, no deadline, no example database in the
    tree."""
    return settings(
        max_examples=MAX_EXAMPLES or examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# --- The site and its URLs -----------------------------------------------------


@pytest.fixture
def site(settings):
    settings.NEWSLETTER = {
        **settings.NEWSLETTER,
        "RATE_LIMITS": {"ip": (10**9, 3600), "email": (10**9, 3600)},
    }
    site = build_site()
    site.document = get_document_model().objects.create(
        title="Brief PDF", file=ContentFile(b"%PDF-1.4\n", "b.pdf")
    )
    site.brief.document = site.document
    site.brief.save()
    site.subscriber = Subscriber.objects.create(
        email="sub@example.org", status=Subscriber.Status.SUBSCRIBED
    )
    indexing.rebuild_store()
    PendingIndexUpdate.objects.all().delete()
    clear_rate_limits()
    return site


def page_urls(site):
    """Every page of the site, and the routes of briefs and supplements."""
    urls = [getattr(site, name).url for name in PAGE_NAMES]
    brief, supplement = site.brief.url, site.supplement.url
    article = f"{supplement}articles/{site.article.pk}/"
    urls += [
        f"{brief}cite/bibtex/",
        f"{brief}cite/ris/",
        article,
        f"{article}cite/bibtex/",
        f"{article}cite/ris/",
    ]
    urls += [
        f"{supplement}articles/999999/",
        f"{supplement}articles/{2**64}/cite/ris/",
        site.document.url,
    ]
    return urls


def search_parameters(site):
    """What /search/, the feeds, country pages and listing pages read (search/query.py,
    search_tags.py)."""
    return {
        "q": [
            "costing",
            "Costing of iCCM",
            '"costing tool"',
            "-costing",
            '-"a phrase"',
            "the",
            "mali -mali",
            "’s",
        ],
        "country": ["ML", "mw", "Ml", "ZZ", "", " ML "],
        "topic": [site.topic.slug, "nope", site.topic.slug.upper()],
        "study": [site.study.slug, "nope"],
        "type": [*result_types(), "page", "Study"],
        "year": ["2014", "2011", "1900", "99999", "20 14"],
        "sort": [*SORTS, "", "Newest", "random", "-title"],
        "page": ["1", "2", "0", "-1", "500", "501", "10000"],
        "page_size": ["1", "20", "100", "101", "0"],
        "show": [*(facet.name for facet in FACETS), "nope"],
    }


def api_page_parameters(site):
    """What /api/v2/pages/ reads: Wagtail's parameters, field filters and the taxonomy filters
    (search/api.py)."""
    ids = [str(site.home.pk), str(site.study.pk), str(site.areas.pk), "0", "-1", "root", str(2**64)]
    return {
        "type": [
            "research.StudyPage",
            "briefs.PolicyBriefPage",
            "wagtailcore.Page",
            "portal.HomePage",
        ]
        + ["research.Country", "nope.Nope", "research", ".", "research.studypage"],
        "fields": [
            "*",
            "_",
            "-title",
            "title,countries",
            "countries(name)",
            "*,-title",
            "_,id",
            "aim",
            "articles",
        ]
        + ["pdf", "nope", "parent(title)", "-*", "timeline", "title(", "(", ",", "-"],
        "limit": ["1", "20", "100", "101", "0", "-1"],
        "offset": ["0", "1", "100", "-1"],
        "order": [
            "title",
            "-title",
            "id",
            "-id",
            "random",
            "-random",
            "first_published_at",
            "date",
            "nope",
        ],
        "search": ["costing", "", '"costing', "-costing", "*"],
        "search_operator": ["and", "or", "xor", ""],
        "child_of": ids,
        "descendant_of": ids,
        "ancestor_of": ids,
        "translation_of": ids,
        "locale": ["en", "xx", ""],
        "site": ["localhost", "testserver", "nope", ""],
        "format": ["json", "api", "xml", ""],
        "country": ["ML", "ML,MW", ",", "ML," * 51],
        "topic": [site.topic.slug, "nope"],
        "study": [site.study.slug, "nope"],
        "title": [site.study.title, "nope"],
        "slug": [site.study.slug, "nope"],
        "id": ids,
        "show_in_menus": ["true", "false", "maybe"],
        "date": ["2014-01-01", "nope", "2014-13-45"],
        "rich_text_format": ["html", "raw", "nope"],
        "_": ["1"],
    }


def api_media_parameters():
    """What /api/v2/images/ and /api/v2/documents/ read."""
    return {
        "fields": ["*", "_", "-title", "title,width", "tags", "nope", "download_url", "file"],
        "limit": ["1", "20", "101", "0", "-1"],
        "offset": ["0", "1", "-1"],
        "order": ["title", "-id", "random", "nope"],
        "search": ["brief", "image", ""],
        "search_operator": ["and", "or", "xor"],
        "title": ["Brief PDF", "nope"],
        "id": ["1", "0", "-1", str(2**64)],
        "tags": ["x", ""],
        "format": ["json", "api"],
    }


def public_urls(site):
    """(URL, {parameter: meaningful values}) for every public URL."""
    searching = search_parameters(site)
    media = api_media_parameters()
    confirm = make_confirm_token(
        {"e": "new@example.org", "n": "", "o": "", "c": "", "t": [], "k": [], "v": "", "s": ""}
    )
    unsubscribe = make_unsubscribe_token(site.subscriber.email)
    urls = [(url, searching) for url in page_urls(site)]
    urls += [
        (url, searching)
        for url in ["/search/", "/search/feed/", "/search/feed/atom/", "/api/search/"]
    ]
    urls += [
        (url, searching) for url in ["/feed/", "/feed/atom/", "/feed/news/", "/feed/news/atom/"]
    ]
    urls += [
        (url, searching)
        for url in ["/countries/", "/countries/ml/", "/countries/MW/", "/countries/zz/"]
    ]
    urls += [
        ("/api/v2/pages/", api_page_parameters(site)),
        (f"/api/v2/pages/{site.study.pk}/", api_page_parameters(site)),
        (f"/api/v2/pages/{site.supplement.pk}/", api_page_parameters(site)),
        ("/api/v2/pages/999999/", api_page_parameters(site)),
        (
            "/api/v2/pages/find/",
            {**api_page_parameters(site), "html_path": ["/", site.study.url, "/nope/", "", "x"]},
        ),
        ("/api/v2/images/", media),
        (f"/api/v2/images/{site.image.pk}/", media),
        ("/api/v2/documents/", media),
        (f"/api/v2/documents/{site.document.pk}/", media),
        ("/sitemap.xml", {"p": ["1", "2", "0", "-1", "x", str(2**64)]}),
        ("/robots.txt", {}),
        (
            "/newsletter/",
            {"from": ["/", "/research-areas/", "//evil.example", "http://evil.example"]},
        ),
        (f"/newsletter/confirm/{confirm}/", {}),
        (f"/newsletter/unsubscribe/{unsubscribe}/", {}),
        ("/newsletter/confirm/not-a-token/", {}),
        ("/newsletter/unsubscribe/a:b:c/", {}),
    ]
    return urls


# --- What every answer must satisfy ---------------------------------------------


def strings(data):
    """Every string in decoded JSON, keys included."""
    if isinstance(data, dict):
        return [text for key, value in data.items() for text in [str(key), *strings(value)]]
    if isinstance(data, list):
        return [text for value in data for text in strings(value)]
    return [str(data)]


def readable(response):
    """The body as text a person reads: JSON's strings, HTML with its entities unescaped."""
    text = response.content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return "\n".join(strings(json.loads(text)))
        except ValueError:
            return text
    return html.unescape(text)


def check(response, method, url, sent=""):
    where = f"{method} {url}?{sent[:300]}"
    assert response.status_code < 500, f"{where} answered {response.status_code}"
    if 400 <= response.status_code < 500 and response.status_code != 405:
        assert response.content.strip(), f"{where} answered an empty {response.status_code}"


# Parameter names a 400 may name, besides any name that was sent.
PROBLEM_WORDS = re.compile(
    r"\b(q|country|topic|study|type|year|sort|page|page_size|show|fields|limit|offset|order|search|search_operator"
    r"|child_of|descendant_of|ancestor_of|translation_of|locale|site|html_path|rich_text_format|format|id|p|from"
    r"|parameter|field|link|token|not valid|expired|email|consent)\b",
    re.IGNORECASE,
)


def request(client, method, path, **kwargs):
    """One request in a savepoint, so a database error in one example cannot poison the next.

    Caches are emptied first, so the view itself answers every example: neither the page
    cache (a stored answer to an identical earlier request) nor a rate limit (429) hides it.
    """
    for cache in caches.all():
        cache.clear()
    with transaction.atomic():
        return getattr(client, method)(path, **kwargs)


# --- Query strings of every public URL --------------------------------------------


def fuzz_get(client, url, query):
    response = request(client, "get", url, QUERY_STRING=query)
    check(response, "GET", url, query)
    if response.status_code == 400:
        text = readable(response)
        names = {name for name, _ in parse_qsl(query, keep_blank_values=True) if len(name) > 1}
        named = PROBLEM_WORDS.search(text) or any(name in text for name in names)
        assert named, f"GET {url}?{query[:300]}: the 400 names no problem: {text[:300]}"
    return response


# One value of each kind that breaks views most often: NUL, invalid UTF-8, a number past 64 bits.
SWEEP_VALUES = ["\x00", b"\xff", str(2**64)]


def sweep_urls(site):
    """One URL of each view (the page views, the search family and every API endpoint)."""
    views = [
        site.study.url,
        site.publications.url,
        f"{site.brief.url}cite/ris/",
        f"{site.supplement.url}articles/",
    ]
    views += [
        "/search/",
        "/api/search/",
        "/search/feed/",
        "/feed/news/atom/",
        "/countries/ml/",
        "/countries/",
    ]
    views += [
        "/api/v2/pages/",
        f"/api/v2/pages/{site.supplement.pk}/",
        "/api/v2/pages/find/",
        "/api/v2/images/",
    ]
    views += [
        f"/api/v2/documents/{site.document.pk}/",
        "/sitemap.xml",
        "/newsletter/",
        "/newsletter/unsubscribe/",
    ]
    return [
        (url, parameters)
        for url, parameters in public_urls(site)
        if any(url.startswith(v) for v in views)
    ]


def test_every_parameter_of_every_view_alone(client, site):
    """A systematic sweep beside the random search: each known parameter (and an unknown one) with
    each value."""
    failures = []
    for url, parameters in dict(sweep_urls(site)).items():
        for name in [*parameters, "unknown"]:
            for value in SWEEP_VALUES:
                query = f"{encode(name)}={encode(value)}"
                try:
                    fuzz_get(client, url, query)
                # Any exception is one failure of the sweep; all are reported together below.
                except Exception as error:  # noqa: BLE001
                    failures.append(
                        f"GET {url}?{query[:80]}: {type(error).__name__}: {str(error)[:200]}"
                    )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


def test_every_public_url_with_hostile_query_strings(client, site):
    """Random query strings on every public URL: its own parameters, unknown ones, repeated ones,
    hostile values."""
    urls = dict(public_urls(site))

    @fuzz(300)
    @given(data=st.data())
    def run(data):
        url = data.draw(st.sampled_from(sorted(urls)), label="url")
        fuzz_get(client, url, data.draw(query_strings(urls[url]), label="query"))

    run()


def test_search_and_listings_with_hostile_search_parameters(client, site):
    """The search form's GET and the listings that share its parameters, fuzzed harder."""
    urls = ["/search/", "/api/search/", "/search/feed/", "/countries/ml/", site.publications.url]
    urls += [site.briefs_index.url, site.news_index.url]
    parameters = search_parameters(site)

    @fuzz(250)
    @given(url=st.sampled_from(urls), query=query_strings(parameters))
    def run(url, query):
        fuzz_get(client, url, query)

    run()


def test_api_with_hostile_parameters(client, site):
    """The API's listings and find/, fuzzed harder: Wagtail's parameters, field filters, taxonomy
    filters."""
    urls = ["/api/v2/pages/", "/api/v2/pages/find/", "/api/v2/images/", "/api/v2/documents/"]
    parameters = {
        **api_page_parameters(site),
        **api_media_parameters(),
        "html_path": ["/", "/nope/", ""],
    }

    @fuzz(300)
    @given(url=st.sampled_from(urls), query=query_strings(parameters))
    def run(url, query):
        fuzz_get(client, url, query)

    run()


# --- Values in the path -----------------------------------------------------------

SEGMENT = st.one_of(
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        ["١٢", "１２", "0" * 30 + "1", "ml", "ZZ", "m\x00", "\x00", "%00", "a:b", "a:b:c", "."]
    ),
)


def test_path_parameters(client, site):
    """Country codes, article and API ids, newsletter tokens and page slugs as the URL's own
    segments."""
    templates = [
        "/countries/{}/",
        f"{site.supplement.url}articles/{{}}/",
        f"{site.supplement.url}articles/{{}}/cite/bibtex/",
        "/api/v2/pages/{}/",
        "/api/v2/images/{}/",
        "/api/v2/documents/{}/",
        "/newsletter/confirm/{}/",
        "/newsletter/unsubscribe/{}/",
        f"{site.study.url}{{}}/",
        "/{}/",
    ]

    @fuzz(250)
    @given(template=st.sampled_from(templates), segment=SEGMENT)
    def run(template, segment):
        url = template.format(encode(segment))
        response = request(client, "get", url)
        check(response, "GET", url)
        if "/unsubscribe/" in url:
            unsub = request(
                client, "post", url, data=b"List-Unsubscribe=One-Click", content_type=FORM
            )
            check(unsub, "POST", url)

    run()


# --- Request headers ------------------------------------------------------------


def header_safe(value):
    """A header value as WSGI passes it (its UTF-8 bytes read as latin-1)."""
    return value.encode("utf-8", "surrogatepass").decode("latin-1")


HEADER_VALUES = {
    "Host": [
        "testserver",
        "localhost",
        "evil.example",
        "testserver:99999",
        "[::1]",
        "a b",
        "",
        "testserver.",
    ],
    "Accept-Encoding": ["gzip", "br, gzip;q=0", "*", ""],
    "Accept": ["application/json", "text/html", "*/*", "application/xml", ""],
    "If-None-Match": ['"x"', "*", "W/", '"'],
    "If-Modified-Since": [
        "Sat, 29 Oct 1994 19:43:31 GMT",
        "yesterday",
        "0",
        "Sat, 29 Oct 99999 19:43:31 GMT",
    ],
    "Range": ["bytes=0-1", "bytes=-1", "bytes=9-1", "items=1"],
    "Cookie": [
        'sessionid="\\000aaaaaaaaa"',
        "sessionid=" + "a" * 40,
        "messages=x",
        "csrftoken=x; =; ;",
        '"',
    ],
    "Origin": ["null", "https://evil.example"],
    "Sec-Fetch-Site": ["cross-site", "same-origin"],
    "X-Forwarded-For": ["1.2.3.4", "x", "1.2.3.4, 127.0.0.1", ",,", "::1, ::ffff:127.0.0.1"],
}


def test_request_headers(client, site, settings):
    """Hostile headers on a page, a listing, the search, a feed and the API: still < 500."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    urls = [
        site.study.url,
        site.publications.url,
        "/search/?q=costing",
        "/feed/",
        "/api/v2/pages/",
        "/newsletter/",
    ]
    value = st.one_of(
        TEXT.map(header_safe), *(st.sampled_from(values) for values in HEADER_VALUES.values())
    )
    headers = st.dictionaries(st.sampled_from(sorted(HEADER_VALUES)), value, max_size=4)

    @fuzz(60)
    @given(url=st.sampled_from(urls), headers=headers)
    def run(url, headers):
        response = request(client, "get", url, headers=headers)
        check(response, "GET", url, str(headers))

    run()


# --- Forms ------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def signup_fields(site):
    """Every field of the signup form (portal/newsletter/forms.py), with meaningful values."""
    return {
        "email": [
            "ann@example.org",
            "ANN@Example.ORG",
            "a@b",
            "@",
            "ann@",
            "ann@exa mple.org",
            "ann@例え.テスト",
        ]
        + [
            "ann@example.org\r\nBcc: x@example.org",
            "a" * 250 + "@x.org",
            "ann@example.org ",
            "<a@b.c>",
            "a@b@c",
        ],
        "name": ["Ann", "", "A" * 201],
        "organization": ["MSH", "", "O" * 201],
        "country": ["ML", "MW", "ml", "ZZ", ""],
        "topics": [site.topic.slug, "nope", ""],
        "countries": ["ML", "ZZ", "", "ml"],
        "consent": ["on", "off", "", "true", "false", "0", "1"],
        "website": ["", "", "", "http://spam.example"],
        "source": [
            "/",
            "//evil.example",
            "/research-areas/",
            "http://evil.example",
            "/\x00",
            "/" + "x" * 600,
        ],
        "csrfmiddlewaretoken": ["x"],
    }


# Where a POST says it comes from (portal/newsletter/views.py refuses cross-site posts with a 403):
# mostly nothing (a same-site form or a client without Fetch Metadata), else a known or a random
# value of each header.
ORIGINS = st.one_of(
    st.sampled_from(["null", "http://testserver", "https://evil.example", ""]), TEXT
)
FETCH_SITES = st.one_of(
    st.sampled_from(["same-origin", "same-site", "cross-site", "none", ""]), TEXT
)
SOURCE_HEADERS = st.one_of(
    st.just({}),
    st.just({}),
    st.just({}),
    st.fixed_dictionaries(
        {}, optional={"Origin": ORIGINS, "Sec-Fetch-Site": FETCH_SITES, "X-Forwarded-For": TEXT}
    ),
)


def test_signup_form_with_hostile_input(client, site, settings):
    """Every signup field missing, repeated or hostile; a 400 lists the errors and keeps the address
    typed."""
    # The test client's address: X-Forwarded-For then names the client
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    fields = signup_fields(site)

    @fuzz(250)
    @given(body=form_bodies(fields), headers=SOURCE_HEADERS)
    def run(body, headers):
        raw, seen = body
        headers = {name: header_safe(value) for name, value in headers.items()}
        response = request(
            client, "post", "/newsletter/", data=raw, content_type=FORM, headers=headers
        )
        check(response, "POST", "/newsletter/", raw.decode("utf-8", "replace"))
        assert response.status_code in (200, 400, 403), (
            f"POST /newsletter/ {raw[:300]!r}: {response.status_code}"
        )
        email = seen.get("email", "")
        if response.status_code == 400:
            page = response.content.decode()
            assert "Please correct the following" in page, "a 400 lists the form's errors"
            if email.strip() and email.isprintable():
                assert html.escape(email) in page, f"the 400 keeps the address typed: {email!r}"

    run()


def test_signup_form_with_wrong_types(client, site):
    """Multipart bodies: files where text belongs, lists, empty uploads; the form still
    answers < 500."""
    fields = signup_fields(site)
    upload = st.builds(
        lambda name, data: ContentFile(data, name=name),
        st.sampled_from(["a.txt", "x", ".."]),
        st.binary(max_size=50),
    )
    encodable = TEXT.filter(lambda text: not any("\ud800" <= char <= "\udfff" for char in text))
    value = st.one_of(encodable, st.lists(st.sampled_from(["ML", "x", ""]), max_size=3), upload)

    @fuzz(80)
    @given(data=st.dictionaries(st.sampled_from(sorted(fields)), value, max_size=len(fields)))
    def run(data):
        response = request(client, "post", "/newsletter/", data=data)
        check(response, "POST", "/newsletter/", str(data))
        assert response.status_code in (200, 400)

    run()


def test_unsubscribe_form_with_hostile_input(client, site):
    """The one-click unsubscribe POST with valid, tampered and random tokens and random bodies."""
    valid = make_unsubscribe_token(site.subscriber.email)
    tokens = [
        valid,
        make_unsubscribe_token("nobody@example.org"),
        valid[:-1],
        valid + "x",
        "x" + valid,
        ":",
        "",
    ]
    token = st.one_of(st.sampled_from(tokens), TEXT.filter(bool))
    body = form_bodies(
        {"List-Unsubscribe": ["One-Click", ""], "email": ["sub@example.org"], "token": tokens}
    )

    @fuzz(100)
    @given(token=token, body=body)
    def run(token, body):
        url = f"/newsletter/unsubscribe/{encode(token)}/"
        response = request(client, "post", url, data=body[0], content_type=FORM)
        check(response, "POST", url, body[0].decode("utf-8", "replace"))

    run()


VALID_PDF = pdf.build([["A page of text about iCCM."], ["And a second page."]])


@fuzz(25)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(VALID_PDF) - 1), st.binary(min_size=0, max_size=8)),
        min_size=1,
        max_size=6,
    ),
    cut=st.none() | st.integers(0, len(VALID_PDF)),
)
def test_uploaded_pdfs_with_hostile_bytes(edits, cut):
    """A PDF changed at random places (bytes replaced, dropped, the file cut short) is read
    to an outcome with a reason, never an exception in the worker (portal/attachments)."""
    data = bytearray(VALID_PDF)
    for position, replacement in edits:
        data[position : position + max(1, len(replacement))] = replacement  # b"": one dropped
    outcome = extraction.read_pdf(bytes(data[:cut]))
    assert outcome.status in ("text", "no_text", "skipped")
    assert outcome.status == "text" or outcome.reason
    assert all(isinstance(page, str) for page in outcome.pages)


def test_the_harness_reaches_the_views(client, site):
    """The hand-made query strings reach the view as Django decodes a browser's: a sanity check of
    the harness."""
    response = client.get("/search/", QUERY_STRING="q=" + quote("costing", safe=""))
    assert response.status_code == 200 and b"Costing of iCCM" in response.content


# --- Regressions: what the fuzz found ------------------------------------------------


def test_api_refuses_control_characters_naming_the_parameter(client, site):
    """NUL reached PostgreSQL (DataError) and SQLite's full-text search ("unterminated string"): a
    500."""
    for endpoint in ["pages", "images", "documents"]:
        for parameter in ["search", "country", "site", "locale", "html_path", "title"]:
            response = client.get(f"/api/v2/{endpoint}/", QUERY_STRING=f"{parameter}=ML%00")
            assert response.status_code == 400, (endpoint, parameter)
            message = response.json()["message"]
            assert message == (
                f"query parameter '{parameter}' must not contain control characters "
                "(NUL, line breaks)"
            )
    assert client.get(f"/api/v2/pages/{site.study.pk}/", QUERY_STRING="site=%00").status_code == 400
    assert client.get("/api/v2/pages/find/", QUERY_STRING="html_path=/%00/").status_code == 400
    assert client.get("/api/v2/pages/", {"search": "costing"}).status_code == 200


@pytest.mark.parametrize("endpoint", ["pages", "images", "documents"])
def test_api_refuses_an_offset_past_what_the_database_holds(client, site, endpoint):
    """offset=2**64 passed Wagtail's check and overflowed the query ("datatype mismatch" on
    SQLite)."""
    response = client.get(f"/api/v2/{endpoint}/", {"offset": str(2**64)})
    assert response.status_code == 400 and response.json() == {
        "message": "offset must be at most 1000000000"
    }
    assert client.get(f"/api/v2/{endpoint}/", {"offset": "1000000000"}).status_code == 200


def test_api_find_refuses_an_id_that_is_not_a_number(client, site):
    """find/?id=x reached `queryset.get(id="x")`: ValueError, a 500."""
    response = client.get("/api/v2/pages/find/", {"id": "x"})
    assert response.status_code == 400 and response.json() == {
        "message": "id must be a whole number"
    }
    assert client.get("/api/v2/pages/find/", {"id": str(site.study.pk)}).status_code == 302


def test_country_page_with_a_code_that_cannot_be_one_is_not_found(client, site):
    """/countries/%00/ reached PostgreSQL with a NUL (DataError, a 500)."""
    for code in ["%00", "m%00", "mli", "1a", "%C3%A9e"]:
        response = client.get(f"/countries/{code}/")
        assert response.status_code == 404, code
    assert client.get("/countries/ml/").status_code == 200
