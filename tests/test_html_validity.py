"""Every public page type of the demo, and the error pages, are valid HTML (W3C Nu Html Checker).

The checker (nu.validator:validator from Maven Central) is resolved by `scripts/vnu.sh` into the
git-ignored `.cache/vnu/`; .ci/run resolves it before the tests. The pages are saved into one folder
and checked by one JVM (it starts slowly). Without Java (or, on a cold cache, without Maven) the
test is skipped with the reason.
"""

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.views.defaults import server_error
from wagtail.images import get_image_model
from wagtail.models import Page

from briefs.models import (
    JournalSupplementPage,
    NewsIndexPage,
    PolicyBriefIndexPage,
    PolicyBriefPage,
)
from portal.models import HomePage
from research.models import (
    CollaborativeEffortsPage,
    FindingsPage,
    PublicationIndexPage,
    StudyPage,
)

from .factories import NewsPageFactory, StandardPageFactory, SupplementArticleFactory
from .helpers import (
    checks_the_page_once,
    clear_rate_limits,
    links,
    load_translated_demo,
    signup_data,
)

pytestmark = [pytest.mark.django_db, checks_the_page_once()]

VNU = Path(settings.BASE_DIR) / "scripts" / "vnu.sh"
ICCM = "/research-areas/community-care-strategies/integrated-community-case-management/"


@pytest.fixture(scope="module")
def validator():
    """`scripts/vnu.sh resolve` (jars cached after the first run); skipped without Java or Maven."""
    done = subprocess.run(
        ["bash", str(VNU), "resolve"], capture_output=True, text=True, timeout=900
    )
    if done.returncode == 3:
        pytest.skip(f"Nu Html Checker unavailable: {done.stderr.strip()}")
    assert done.returncode == 0, f"scripts/vnu.sh resolve failed:\n{done.stderr}"


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    """The demo content, indexed, plus what it lacks: a standard page with a figure, a news update
    with a photo and a supplement article (the same additions as the accessibility test's)."""
    with django_capture_on_commit_callbacks(execute=True):
        # The English demo (test_demo_translations.py covers French and Portuguese).
        call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
        home = HomePage.objects.get()
        photo = get_image_model().objects.order_by("pk").first()
        body = [
            {"type": "heading", "value": {"text": "Who we are", "level": "h2"}},
            {"type": "paragraph", "value": "<p>Implementation research.</p>"},
            {"type": "figure", "value": {"image": photo.pk, "caption": "", "credit": ""}},
        ]
        standard = StandardPageFactory(
            parent=home, title="About the programme", slug="about", body=json.dumps(body)
        )
        news = NewsPageFactory(
            parent=NewsIndexPage.objects.get(), title="Supplement published", hero_image=photo
        )
        supplement = JournalSupplementPage.objects.get()
        article = SupplementArticleFactory(
            page=supplement, title="Costing community case management", abstract="Costs."
        )
    clear_rate_limits()
    return {
        "standard": Page.objects.get(pk=standard.pk).url,
        "news": Page.objects.get(pk=news.pk).url,
        "supplement": supplement.url,
        "article": f"{supplement.url}articles/{article.pk}/",
    }


def public_pages(demo):
    """(name, path, expected status) of every public page type, with and without facets."""
    briefs = PolicyBriefIndexPage.objects.get().url
    publications = PublicationIndexPage.objects.get().url
    news = NewsIndexPage.objects.get().url
    return [
        ("home", "/", 200),
        ("research area index", "/research-areas/", 200),
        ("research area (parent)", "/research-areas/community-care-strategies/", 200),
        ("research area", ICCM, 200),
        ("study", StudyPage.objects.get(slug="costing-of-iccm").url, 200),
        ("collaborative efforts", CollaborativeEffortsPage.objects.get().url, 200),
        ("findings", FindingsPage.objects.order_by("path").first().url, 200),
        ("policy brief index", briefs, 200),
        ("policy brief index, faceted", f"{briefs}?country=ML&topic=iccm&sort=title", 200),
        ("policy brief", PolicyBriefPage.objects.get().url, 200),
        ("publications", publications, 200),
        ("publications, faceted", f"{publications}?type=findings&country=MW", 200),
        ("publications, text", f"{publications}?q=costing", 200),
        ("publications, bad page", f"{publications}?page=x", 400),
        ("journal supplement", demo["supplement"], 200),
        ("supplement article", demo["article"], 200),
        ("news index", news, 200),
        ("news index, no match", f"{news}?q=nothingmatchesthis", 200),
        ("news", demo["news"], 200),
        ("standard page", demo["standard"], 200),
        ("search", "/search/", 200),
        ("search q=costing", "/search/?q=costing", 200),
        ("search with facets", "/search/?q=iccm&country=ML&type=study&sort=title", 200),
        ("search, show all of a facet", "/search/?show=study", 200),
        ("search, no match", "/search/?q=nothingmatchesthis", 200),
        ("search 400", "/search/?page=x&page_size=1000", 400),
        ("countries", "/countries/", 200),
        ("country page", "/countries/ml/", 200),
        ("country page, faceted", "/countries/ml/?type=study&q=costing", 200),
        ("country page 400", "/countries/ml/?page=0", 400),
        ("unknown country", "/countries/zz/", 404),
        ("newsletter", "/newsletter/", 200),
        ("404", "/no-such-page/", 404),
        # The same templates in French and Portuguese: translations must not break the markup.
        ("home (fr)", "/fr/", 200),
        ("study (pt)", "/pt" + StudyPage.objects.get(slug="costing-of-iccm").url, 200),
        ("search q=costing (fr)", "/fr/search/?q=costing&country=ML&lang=en", 200),
        ("search 400 (pt)", "/pt/search/?page=x", 400),
        ("newsletter (pt)", "/pt/newsletter/", 200),
        ("404 (fr)", "/fr/no-such-page/", 404),
    ]


def newsletter_pages(client, django_capture_on_commit_callbacks):
    """The signup's answers: errors, done, confirmed, unsubscribe, and the links' error pages."""
    found = {}
    found["newsletter with errors"] = client.post("/newsletter/", {}), 400
    refused = client.post("/newsletter/", signup_data(), headers={"sec-fetch-site": "cross-site"})
    found["newsletter from another site"] = refused, 403
    with django_capture_on_commit_callbacks(execute=True):
        found["newsletter signup done"] = client.post("/newsletter/", signup_data()), 200
    sent = links(mail.outbox[-1].body)
    with django_capture_on_commit_callbacks(execute=True):
        found["newsletter confirmed"] = client.get(sent["confirm"]), 200
    found["newsletter unsubscribe"] = client.get(sent["unsubscribe"]), 200
    with django_capture_on_commit_callbacks(execute=True):
        found["newsletter unsubscribed"] = client.post(sent["unsubscribe"]), 200
    found["newsletter bad confirm link"] = client.get("/newsletter/confirm/nope/"), 400
    found["newsletter bad unsubscribe link"] = client.get("/newsletter/unsubscribe/nope/"), 400
    return found


def alert_pages(client, django_capture_on_commit_callbacks):
    """Following a search by email: its form, answers, links' pages, and the emails' HTML."""
    from django.http import HttpResponse

    from portal.newsletter import updates
    from portal.newsletter.models import NewsletterIssue
    from search.alerts import digests, emails
    from search.alerts.models import SearchAlert

    query = "country=ML&type=study"
    found = {
        "alert form": (client.get(f"/search/alerts/?{query}"), 200),
        "alert form (fr)": (client.get("/fr/search/alerts/?country=ML"), 200),
        "alert form, bad search": (client.get("/search/alerts/?lang=xx"), 400),
        "alert form with errors": (client.post("/search/alerts/", {"query": query}), 400),
    }
    data = {"email": "reader@example.org", "frequency": "weekly", "consent": "on", "query": query}
    with django_capture_on_commit_callbacks(execute=True):
        found["alert asked"] = client.post("/search/alerts/", data), 200
    sent = links(mail.outbox[-1].body)
    found["alert confirmed"] = client.get(sent["confirm"]), 200
    alert = SearchAlert.objects.get()
    stop = f"/search/alerts/stop/{emails.following.stop_token(alert)}/"
    found["alert stop"] = client.get(stop), 200
    found["alert manage"] = client.get(sent["manage"]), 200
    found["alert stopped"] = client.post(stop), 200
    found["alert bad link"] = client.get("/search/alerts/stop/nope/"), 400
    results = digests.search(query, "en", None)
    digest = emails.digest(alert, results.hits[:3], results.describe(), True, "http://testserver")
    found["email: alert digest"] = HttpResponse(digest["html"]), 200
    issue = NewsletterIssue(pk=1, subject="An update", language="en", intro="Two lines.")
    update = updates.build_email(
        issue, "reader@example.org", [{"kind": "text", "html": "<p>Hi</p>"}]
    )
    found["email: update"] = HttpResponse(update["html"]), 200
    return found


def error_pages(client):
    """Django's own 400 (a host the site does not answer) and the 500 template, as served."""
    bad_host = client.get("/", headers={"host": "not-this-site.example"})
    return {
        "400 (bad host)": (bad_host, 400),
        "500": (server_error(RequestFactory().get("/")), 500),
    }


def run_validator(folder):
    done = subprocess.run(
        ["bash", str(VNU), "check", str(folder)], capture_output=True, text=True, timeout=600
    )
    output = done.stdout + done.stderr
    errors = [line for line in output.splitlines() if ": error" in line]
    assert done.returncode == (1 if errors else 0), f"the checker failed:\n{output}"
    return errors


def test_every_public_page_and_error_page_is_valid_html(
    client, demo, validator, tmp_path, django_capture_on_commit_callbacks
):
    responses = {
        name: (client.get(path), status, path) for name, path, status in public_pages(demo)
    }
    others = {
        **newsletter_pages(client, django_capture_on_commit_callbacks),
        **alert_pages(client, django_capture_on_commit_callbacks),
        **error_pages(client),
    }
    responses.update(
        (name, (response, status, name)) for name, (response, status) in others.items()
    )
    where = {}
    for number, (name, (response, status, path)) in enumerate(responses.items()):
        assert response.status_code == status, f"{name}: {path} answered {response.status_code}"
        assert response["Content-Type"].startswith("text/html"), f"{name} is HTML"
        if name.startswith("search") and status == 200 and "no match" not in name:
            assert b'class="hits"' in response.content, f"{name} lists results (demo indexed)"
        file = tmp_path / f"{number:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.html"
        file.write_bytes(response.content)
        where[file.name] = f"{name} ({path})"
    errors = run_validator(tmp_path)
    described = []
    for line in errors:  # "file:/tmp/…/07-name.html":75.1-75.88: error: Bad value …
        found = re.match(r'"?[^"]*?([^/"]+\.html)"?:([\d.]+)[-\d.]*: error: (.*)', line)
        file, position, message = found.groups() if found else ("?", "?", line)
        described.append(f"{where.get(file, file)}, line {position}: {message}")
    print(f"\nNu Html Checker: {len(where)} pages, {len(errors)} errors")
    assert len(where) == len(list(tmp_path.glob("*.html"))) >= 40
    assert not errors, "Nu Html Checker errors:\n" + "\n".join(described)


def test_every_french_and_portuguese_page_is_valid_html(client, validator, tmp_path):
    """The translated demo's pages and views: translations must not break the markup."""
    where = {}
    for number, (name, path) in enumerate(load_translated_demo().items()):
        response = client.get(path)
        assert response.status_code == 200, f"{name}: {path} answered {response.status_code}"
        file = tmp_path / f"{number:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.html"
        file.write_bytes(response.content)
        where[file.name] = f"{name} ({path})"
    errors = run_validator(tmp_path)
    print(f"\nNu Html Checker: {len(where)} French and Portuguese pages, {len(errors)} errors")
    assert not errors, "Nu Html Checker errors:\n" + "\n".join(errors)


def test_the_checker_reports_an_empty_form_action(validator, tmp_path):
    """The check above can fail: the checker rejects what the listing pages used to send."""
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
        '<body><form action=""><input name="q" aria-label="q"></form></body></html>'
    )
    [error] = run_validator(tmp_path)
    assert "Bad value “” for attribute “action” on element “form”" in error
