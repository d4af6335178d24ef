"""Helpers shared by the test modules: site builders, admin form data, newsletter helpers.

Tests import shared code from here, never from another `test_*` module. Kept apart:
`factories.py` (one factory per model, the way tests create content), `fake_mailchimp.py`
(a local HTTP server standing in for the provider, not helpers), and `fuzz_inputs.py`
(Hypothesis strategies, used by test_fuzz.py alone, and the only reason to import Hypothesis).
"""

import datetime
import email
import email.policy
import io
import re
import socket
import sys
from contextlib import contextmanager
from types import SimpleNamespace

from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from wagtail.models import Locale, Page, PageViewRestriction, Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from search import indexing
from search.models import PendingIndexUpdate

from .factories import (
    CollaborativeEffortsPageFactory,
    CountryFactory,
    FindingsPageFactory,
    HomePageFactory,
    ImageFactory,
    JournalSupplementPageFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
    OrganizationFactory,
    PolicyBriefIndexPageFactory,
    PolicyBriefPageFactory,
    PublicationIndexPageFactory,
    ResearchAreaIndexPageFactory,
    ResearchAreaPageFactory,
    StandardPageFactory,
    StudyPageFactory,
    SupplementArticleFactory,
    TopicFactory,
)

# --- Sites ----------------------------------------------------------------------------


# The views that are not pages, as every language serves them under its prefix.
TRANSLATED_VIEWS = {
    "search q=iccm": "/search/?q=iccm",
    "search country=ML": "/search/?country=ML",
    "countries index": "/countries/",
    "country page": "/countries/ml/",
    "newsletter": "/newsletter/",
}


@contextmanager
def loaded_once(django_db_blocker, **options):
    """The demo (`load_demo_content` with `options`) loaded once for a class of tests, in a
    transaction rolled back after them; each test's own transaction (the `db` fixture) is a
    savepoint inside it, so what one test changes the next does not see. Yields the command's
    output. Not for live-server tests: their server reads committed rows only."""
    out = io.StringIO()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with translation.override("en"):
                call_command("load_demo_content", stdout=out, **options)
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def load_translated_demo():
    """The demo with its translations: {"<type> <slug> (fr)": path} for every French and
    Portuguese page, and the views under /fr/ and /pt/."""
    with translation.override("en"):
        call_command("load_demo_content", stdout=io.StringIO())
    clear_rate_limits()
    found = {}
    for code in ("fr", "pt"):
        pages = Page.objects.filter(locale__language_code=code).live().specific()
        for page in pages.order_by("path"):
            found[f"{page.specific_class.__name__} {page.slug} ({code})"] = page.url
        found.update(
            {f"{name} ({code})": f"/{code}{path}" for name, path in TRANSLATED_VIEWS.items()}
        )
    assert len(found) > 2 * len(TRANSLATED_VIEWS) + 20, "the demo has its translations"
    return found


def translate(page, code, **fields):
    """The page's published translation into `code` (its parent must have one already), the
    way the admin's "Translate" makes it: a copy sharing the translation_key, edited, then
    published."""
    copy = page.copy_for_translation(Locale.objects.get(language_code=code))
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    copy.refresh_from_db()
    return copy


def fresh_home():
    """An empty site: a new HomePage serving the default site, nothing else below the root."""
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).delete()
    home = HomePageFactory(parent=root, slug="home")
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "Test portal"},
    )
    return home


# The pages build_site() makes, one of every type, by their names on what it returns.
PAGE_NAMES = [
    "home",
    "areas",
    "area",
    "subarea",
    "study",
    "partners",
    "publications",
    "findings",
    "supplement",
    "briefs_index",
    "brief",
    "news_index",
    "news",
    "standard",
]


def build_site():
    """Home > Research Areas > Area > Sub-area > Study, plus every listing and output."""
    root = Page.get_first_root_node()
    home = fresh_home()
    mali = CountryFactory(name="Mali", code="ML")
    malawi = CountryFactory(name="Malawi", code="MW")
    topic = TopicFactory(name="Costing and financing")
    msh = OrganizationFactory(name="Management Sciences for Health")
    image = ImageFactory(
        alt_text="A health worker", caption="Counting breaths", credit="Photoshare"
    )

    areas = ResearchAreaIndexPageFactory(parent=home)
    area = ResearchAreaPageFactory(parent=areas, title="Community Care Strategies")
    subarea = ResearchAreaPageFactory(parent=area, title="Integrated Community Case Management")
    study = StudyPageFactory(
        parent=subarea,
        title="Costing of iCCM",
        hero_image=image,
        countries=[malawi, mali],
        implementers=[msh],
        objectives=["Providing users an understanding of costs"],
    )
    study.topics.set([topic])
    study.save()
    partners = CollaborativeEffortsPageFactory(parent=subarea)
    publications = PublicationIndexPageFactory(parent=home)
    findings = FindingsPageFactory(
        parent=publications, studies=[study], date=datetime.date(2014, 1, 1)
    )
    supplement = JournalSupplementPageFactory(parent=publications, studies=[study])
    article = SupplementArticleFactory(page=supplement)
    briefs_index = PolicyBriefIndexPageFactory(parent=home)
    brief = PolicyBriefPageFactory(parent=briefs_index, studies=[study])
    news_index = NewsIndexPageFactory(parent=home)
    news = NewsPageFactory(parent=news_index)
    standard = StandardPageFactory(parent=home, title="About")
    return SimpleNamespace(**locals())


def build_search_site():
    """A small site whose every search answer is known, for the backend contract suite."""
    home = fresh_home()
    mali, malawi, rwanda = (
        CountryFactory(name=n, code=c)
        for n, c in [("Mali", "ML"), ("Malawi", "MW"), ("Rwanda", "RW")]
    )
    costing, policy, data = (
        TopicFactory(name=n) for n in ["Costing and financing", "Policy", "Data"]
    )

    areas = ResearchAreaIndexPageFactory(parent=home)
    area = ResearchAreaPageFactory(
        parent=areas, title="Community Case Management", intro="<p>Child health.</p>"
    )
    area.countries.set([mali]), area.save()
    s1 = StudyPageFactory(
        parent=area,
        title="Costing of iCCM",
        slug="costing-of-iccm",
        countries=[malawi, rwanda],
        aim="Develop and test a financing tool.",
        start_month=datetime.date(2011, 3, 1),
    )
    s2 = StudyPageFactory(
        parent=area,
        title="Improving Data for iCCM",
        slug="improving-data",
        countries=[mali, malawi],
        aim="Embedded implementation research on data quality.",
        start_month=datetime.date(2012, 1, 1),
    )
    s3 = StudyPageFactory(
        parent=area,
        title="Policy Analysis of iCCM",
        slug="policy-analysis",
        countries=[mali],
        aim="How policy is made and carried out.",
        start_month=datetime.date(2013, 1, 1),
    )
    for study, topic in [(s1, costing), (s2, data), (s3, policy)]:
        study.topics.set([topic]), study.save()

    publications = PublicationIndexPageFactory(parent=home)
    f1 = FindingsPageFactory(  # untagged: inherits Malawi and Rwanda from its study
        parent=publications,
        title="Development of a Costing and Financing Tool",
        studies=[s1],
        summary="A tool for planners.",
        date=datetime.date(2014, 5, 1),
    )
    f2 = FindingsPageFactory(
        parent=publications,
        title="Data quality lessons",
        studies=[s2],
        summary="Notes on costing data where 5 < 6 & <b>tags</b> are text.",
        date=datetime.date(2015, 2, 1),
    )
    f2.countries.set([mali]), f2.save()
    supplement = JournalSupplementPageFactory(
        parent=publications, studies=[s1, s2, s3], date=datetime.date(2014, 6, 1)
    )
    article = SupplementArticleFactory(
        page=supplement, title="Community health worker supervision", year=2014
    )
    article.studies.set([s2])
    article.save()

    briefs = PolicyBriefIndexPageFactory(parent=home)
    brief = PolicyBriefPageFactory(
        parent=briefs,
        title="Child mortality brief",
        studies=[s3],
        date=datetime.date(2016, 3, 1),
        summary="<p>Why policy matters.</p>",
        body=[
            ("paragraph", "<p>Costing appears only in this body, beside the quality of data.</p>")
        ],
    )
    brief.topics.set([policy]), brief.save()
    news_index = NewsIndexPageFactory(parent=home)
    news = NewsPageFactory(
        parent=news_index, title="Supplement published", date=datetime.date(2016, 5, 1)
    )

    draft = FindingsPageFactory(
        parent=publications, title="Costing draft", live=False, date=datetime.date(2016, 1, 1)
    )
    private = FindingsPageFactory(
        parent=publications, title="Costing private", date=datetime.date(2016, 1, 1)
    )
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    # As publishing would have set it (factories create pages live without publishing).
    Page.objects.filter(first_published_at__isnull=True).update(
        first_published_at=datetime.datetime(2017, 1, 1, tzinfo=datetime.UTC)
    )
    indexing.rebuild_store()
    # Covered by the rebuild (the factories' signals queued them).
    PendingIndexUpdate.objects.all().delete()
    return SimpleNamespace(**locals())


def translate_with_parents(page, code, **fields):
    """A live translation of `page` into the locale `code`, with `fields` set: its parents
    are aliases until translated themselves (as Wagtail's copy_for_translation makes them)."""
    locale = Locale.objects.get(language_code=code)
    translated = page.specific.copy_for_translation(locale, copy_parents=True)
    for name, value in fields.items():
        if hasattr(getattr(translated, name, None), "set"):
            getattr(translated, name).set(value)
        else:
            setattr(translated, name, value)
    translated.live = True
    translated.save()
    return translated


def translate_snippet(item, code, **fields):
    """A translation of a topic or organization (the same translation_key and slug)."""
    translated = item.copy_for_translation(Locale.objects.get(language_code=code))
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save()
    return translated


def build_trilingual_search_site():
    """build_search_site() plus French and Portuguese pages whose every answer is known.

    French: a translation of the policy study, and findings of it that speak of "politique",
    "Évaluation" and "éducation"; Portuguese: findings on "política pública" in Mozambique.
    The policy topic has a French name, Mozambique French and Portuguese ones (pycountry)."""
    site = build_search_site()
    mozambique = CountryFactory(name="Mozambique", code="MZ")
    translate_snippet(site.policy, "fr", name="Politiques publiques")
    site.fr_study = translate_with_parents(
        site.s3,
        "fr",
        title="Analyse des politiques de la PCIME",
        slug="analyse-des-politiques",
        aim="Comment la politique est faite.",
    )
    fr_publications = translate_with_parents(site.publications, "fr", title="Publications")
    site.fr_findings = FindingsPageFactory(
        parent=fr_publications,
        title="Évaluation de la politique nationale",
        summary="Évaluation de la politique de santé de l'hôpital.",
        studies=[site.fr_study],
        date=datetime.date(2017, 3, 1),
    )
    site.fr_findings.topics.set([site.policy]), site.fr_findings.save()
    site.fr_education = FindingsPageFactory(
        parent=fr_publications,
        title="Une éducation de qualité",
        summary="Former les agents de santé communautaires.",
        date=datetime.date(2017, 4, 1),
    )
    site.fr_education.countries.set([CountryFactory(name="Ethiopia", code="ET")])
    site.fr_education.save()
    pt_publications = translate_with_parents(site.publications, "pt", title="Publicações")
    site.pt_findings = FindingsPageFactory(
        parent=pt_publications,
        title="Política pública de saúde em Moçambique",
        summary="Crianças vacinadas pelos agentes comunitários.",
        date=datetime.date(2017, 5, 1),
    )
    site.pt_findings.countries.set([mozambique]), site.pt_findings.save()
    Page.objects.filter(first_published_at__isnull=True).update(
        first_published_at=datetime.datetime(2017, 1, 1, tzinfo=datetime.UTC)
    )
    indexing.rebuild_store()
    PendingIndexUpdate.objects.all().delete()
    site.mozambique = mozambique
    return site


# --- Admin forms ----------------------------------------------------------------------


def page_form(**fields):
    """POST data for a page form: Wagtail's comments formset plus the given fields.

    Multi-select values are tuples, which nested_form_data passes through whole.
    """
    return nested_form_data({"comments": inline_formset([]), **fields})


def supplement_form(title="Supplement", **article):
    """POST data for a supplement with one article; `article` overrides its fields."""
    fields = {"title": "An article", "authors": "Banda A, Diallo M", "year": "2014", "volume": "29"}
    fields.update({"issue": "suppl 2", "journal": "", "url": "", "abstract": "", **article})
    return page_form(
        title=title,
        journal="Health Policy and Planning",
        volume="29",
        issue="suppl 2",
        journal_url="",
        date="",
        intro=rich_text("<p>Articles.</p>"),
        articles=inline_formset([fields]),
    )


# --- Newsletter -----------------------------------------------------------------------

LINK_RE = re.compile(
    r"https?://\S+/(?:newsletter|search/alerts)/(confirm|unsubscribe|stop|manage)/([^/\s]+)/"
)


def signup_data(email="ann@example.org", **extra):
    return {"email": email, "consent": "on", "name": "", "organization": "", "country": "", **extra}


def links(text):
    """{"confirm": path, "unsubscribe": path, "stop": path, …} from an email body."""
    found = {}
    for match in LINK_RE.finditer(text):
        found.setdefault(match.group(1), "/" + match.group(0).split("/", 3)[3])
    return found


def free_port():
    """A port free on 127.0.0.1 now, for a server a test starts."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


def _in_the_sqlite_pass_only(reason):
    import os

    import pytest

    return pytest.mark.skipif(bool(os.environ.get("TEST_OTHER_PASS_RUNS_SERVERS")), reason=reason)


def runs_once():
    """A mark for a test that starts its own servers on a database of its own, so the test
    database does not change what it checks. CI runs the suite twice side by side and sets
    TEST_OTHER_PASS_RUNS_SERVERS in the PostgreSQL pass, the longer one: it leaves these to
    the SQLite pass."""
    return _in_the_sqlite_pass_only("uses its own servers and database: CI's SQLite pass runs it")


def checks_the_page_once():
    """A mark for a check of what the browser gets (Chromium, axe, the HTML validator, page
    weight): the database behind the page does not change it, so CI's PostgreSQL pass, the
    longer one, leaves it to the SQLite pass, as with runs_once."""
    return _in_the_sqlite_pass_only("checks the page the browser gets: CI's SQLite pass runs it")


def fetch(url, data=None, raw=False, **headers):
    """(status, headers, body) of one request to a server a test started, sent as the proxy in
    front would (X-Forwarded-Proto: https). `data`: a form, POSTed; an HTTP error is an answer.
    The body is text unless `raw`."""
    import urllib.error
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(
        url, data=body, headers={"X-Forwarded-Proto": "https", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, found, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, found, content = error.code, error.headers, error.read()
    return status, found, content if raw else content.decode()


@contextmanager
def running_redis(folder):
    """A redis-server of the test's own on 127.0.0.1 (skips when Debian's package is missing):
    yields (client, URL)."""
    import shutil
    import subprocess
    import time

    import pytest
    import redis

    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is missing: apt-get install redis-server (CI does)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield client, f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def moto_server():
    """moto's server mode on 127.0.0.1 (a stand-in speaking the S3 and CloudFront APIs), with
    boto3's environment pointed at it: yields its URL."""
    import os
    import subprocess

    from bench.servers import PYTHON, stop, wait_until_up

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    moto = os.path.join(os.path.dirname(PYTHON), "moto_server")
    process = subprocess.Popen(
        [moto, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    saved = dict(os.environ)
    try:
        wait_until_up(url + "/moto-api/", timeout=30)
        os.environ.update(MOTO_ENV, AWS_ENDPOINT_URL_CLOUDFRONT=url, AWS_ENDPOINT_URL_S3=url)
        yield url
    finally:
        os.environ.clear()
        os.environ.update(saved)
        stop(process)


MOTO_ENV = {  # moto accepts any credentials
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class Inbox:
    """A real SMTP server's mailbox (aiosmtpd on 127.0.0.1): (recipients, parsed message)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def clear_rate_limits():
    cache.clear()


def reindex():
    """Rebuild the document store from the pages, and the configured engine's index from it
    when the backend has one: what `search_index rebuild` does."""
    from search import indexing
    from search.backends import get_search_backend

    indexing.rebuild_store()
    if get_search_backend().uses_queue:
        indexing.rebuild_backend()
