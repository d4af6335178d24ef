"""Alerts for any search, end to end over a real SMTP server (aiosmtpd on 127.0.0.1).

A reader asks for an alert from a search page, confirms it from the email, and gets one
digest of what is new in it, in their language, through the outbox; one click stops it.
"""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from portal.newsletter import schedule
from portal.newsletter.models import OutboxMessage
from search import indexing
from search.alerts import digests
from search.alerts.models import AlertItem, SearchAlert

from .factories import CountryFactory, FindingsPageFactory, PublicationIndexPageFactory
from .helpers import links, text_of, translate_with_parents

pytestmark = pytest.mark.django_db

MALI_FINDINGS = "country=ML&type=findings"


@pytest.fixture
def french(home):
    """A French publications index under a translated home, and Mali and Niger."""
    publications = PublicationIndexPageFactory(parent=home, title="Publications")
    return {
        "publications": translate_with_parents(publications, "fr", title="Publications"),
        "mali": CountryFactory(name="Mali", code="ML"),
        "niger": CountryFactory(name="Niger", code="NE"),
    }


def ask_for_alert(client, query, email="lectrice@example.org", frequency="weekly", lang="fr"):
    data = {"email": email, "frequency": frequency, "consent": "on", "query": query}
    return client.post(f"/{lang}/search/alerts/", data)


def publish_finding(parent, title, country):
    page = FindingsPageFactory(parent=parent, title=title, live=False, summary=f"{title}.")
    page.countries.set([country])
    page.save_revision().publish()
    indexing.process_pending()
    return page


def run_job(now):
    """The weekly job as `manage.py newsletter send-due` runs it, as of `now`."""
    queued = schedule.run_due(now)["search alerts"]
    call_command("newsletter", "sync")
    return queued


def feed_links(client, query, lang="fr"):
    response = client.get(f"/{lang}/search/feed/?{query}")
    assert response.status_code == 200
    return {item.findtext("link") for item in ET.fromstring(response.content).iter("item")}


def confirmed_alert(client, smtp, query=MALI_FINDINGS, **options):
    assert ask_for_alert(client, query, **options).status_code == 200
    _recipients, message = smtp.messages[-1]
    assert client.get(links(text_of(message))["confirm"]).status_code == 200
    return SearchAlert.objects.get(stopped_at__isnull=True, query=query)


def test_a_french_reader_gets_one_digest_of_the_two_mali_findings(committing_client, smtp, french):
    assert ask_for_alert(committing_client, MALI_FINDINGS).status_code == 200
    [(recipients, confirmation)] = smtp.messages
    assert recipients == ["lectrice@example.org"] and confirmation["Content-Language"] == "fr"
    assert "Confirmez" in confirmation["Subject"]
    assert not SearchAlert.objects.exists(), "nothing is stored before the reader confirms"
    assert committing_client.get(links(text_of(confirmation))["confirm"]).status_code == 200
    alert = SearchAlert.objects.get()
    assert (alert.language, alert.frequency, alert.query) == ("fr", "weekly", MALI_FINDINGS)
    assert alert.consent_language == "fr" and alert.consent_text.startswith("J'accepte")

    publications = french["publications"]
    kayes = publish_finding(publications, "Résultats à Kayes", french["mali"])
    sikasso = publish_finding(publications, "Résultats à Sikasso", french["mali"])
    publish_finding(publications, "Résultats à Niamey", french["niger"])

    week_later = timezone.now() + datetime.timedelta(days=7, minutes=1)
    assert run_job(week_later) == 1
    assert run_job(week_later) == 0, "run twice, it queues nothing twice"
    digests_sent = smtp.messages[1:]
    assert len(digests_sent) == 1
    [(recipients, digest)] = digests_sent
    assert recipients == ["lectrice@example.org"]
    assert digest["Content-Language"] == "fr" and digest["Subject"].strip().startswith("2 nouveaux")
    text = text_of(digest)
    assert "Résultats à Kayes" in text and "Résultats à Sikasso" in text
    assert "Niamey" not in text
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="fr">' in html and "<img" not in html, "no images, no tracking pixel"
    sent_links = {
        line.strip()
        for line in text.splitlines()
        if line.strip().startswith("http://testserver/fr/publications/")
    }
    assert sent_links == {f"http://testserver{page.url}" for page in (kayes, sikasso)}
    assert feed_links(committing_client, MALI_FINDINGS) == sent_links, "the feed's items"

    assert run_job(week_later + datetime.timedelta(days=7)) == 0, "nothing new: nothing sent"
    assert len(smtp.messages) == 2
    alert.refresh_from_db()
    assert alert.next_due_at > week_later + datetime.timedelta(days=13)


def test_the_one_click_stop_is_a_cookieless_post_and_a_get_only_asks(
    committing_client, smtp, french
):
    alert = confirmed_alert(committing_client, smtp)
    publish_finding(french["publications"], "Résultats à Kayes", french["mali"])
    run_job(timezone.now() + datetime.timedelta(days=8))
    _recipients, digest = smtp.messages[-1]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop_url = digest["List-Unsubscribe"].strip().strip("<>").removeprefix("http://testserver")
    assert stop_url == links(text_of(digest))["stop"]

    scanner = Client()  # a link scanner follows every link with GET
    page = scanner.get(stop_url)
    assert page.status_code == 200 and b'<button type="submit">' in page.content
    alert.refresh_from_db()
    assert alert.active, "a GET stops nothing"

    mail_client = Client(enforce_csrf_checks=True)  # RFC 8058: a POST with no cookie
    response = mail_client.post(
        stop_url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    alert.refresh_from_db()
    assert not alert.active

    tampered = stop_url.rstrip("/")[:-3] + "abc/"
    assert Client().post(tampered).status_code == 400
    assert Client().get(tampered).status_code == 400


def test_every_email_links_to_all_the_readers_alerts_which_stop_together(
    committing_client, smtp, french
):
    first = confirmed_alert(committing_client, smtp)
    second = confirmed_alert(committing_client, smtp, query="country=NE", frequency="daily")
    manage = links(text_of(smtp.messages[-1][1]))["manage"]
    page = Client().get(manage)
    assert page.status_code == 200
    assert page.content.count(b"/search/alerts/stop/") == 2
    assert Client().post(manage).status_code == 200
    assert not SearchAlert.objects.filter(pk__in=[first.pk, second.pk], stopped_at=None).exists()
    assert Client().get(manage[:-4] + "xyz/").status_code == 400


def test_a_bad_search_or_a_bad_form_is_a_form_error_never_stored(committing_client, smtp):
    page = committing_client.get("/fr/search/alerts/?lang=xx")
    assert page.status_code == 400 and "lang" in page.content.decode()
    response = ask_for_alert(committing_client, "country=ML&page_size=lots")
    assert response.status_code == 400
    assert "page_size" in response.content.decode()
    response = committing_client.post(
        "/search/alerts/", {"email": "not an address", "frequency": "hourly", "query": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'aria-invalid="true"' in body and "hourly" in body
    assert smtp.messages == [] and not OutboxMessage.objects.exists()


def test_the_search_and_country_pages_offer_the_alert(client, french):
    link = 'href="/fr/search/alerts/?country=ML&amp;type=findings"'
    search = client.get("/fr/search/?type=findings&country=ML&page=2&sort=title")
    assert link in search.content.decode(), "the canonical query: no paging, no sort"
    country = client.get("/fr/countries/ml/?type=findings")
    assert link in country.content.decode()
    form = client.get(f"/fr/search/alerts/?{MALI_FINDINGS}")
    assert form.status_code == 200
    assert "Pays: Mali; Type: Résultats et enseignements" in form.content.decode()
    assert 'name="frequency" value="daily"' in form.content.decode()


def test_alerts_sharing_a_query_share_one_search_and_a_crash_loses_nothing(
    settings, french, monkeypatch
):
    """Five alerts on one query, two on another: two searches. A crash after the first chunk
    keeps that chunk's digests and redoes the rest, and nobody gets two."""
    now = timezone.now()
    for n in range(7):
        SearchAlert.objects.create(
            email=f"reader{n}@example.org",
            query=MALI_FINDINGS if n < 5 else "country=NE",
            language="fr",
            consent_version="2026-11",
            consent_language="fr",
            consent_text="…",
            mark=now - datetime.timedelta(days=7),
            next_due_at=now,
        )
    publish_finding(french["publications"], "Résultats à Kayes", french["mali"])
    publish_finding(french["publications"], "Résultats à Niamey", french["niger"])
    searches = []
    real_search = digests.search
    monkeypatch.setattr(digests, "search", lambda *a: searches.append(a) or real_search(*a))
    monkeypatch.setattr(digests, "CHUNK", 2)
    calls = {"n": 0}
    real_send = digests._send_chunk

    def crash_on_second_chunk(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_send(*args)

    monkeypatch.setattr(digests, "_send_chunk", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        digests.send_due(now)
    assert OutboxMessage.objects.count() == 2, "the first chunk's two digests are kept"
    monkeypatch.setattr(digests, "_send_chunk", real_send)
    searches.clear()
    assert digests.send_due(now) == 5
    assert len(searches) == 2, "one search per distinct query"
    assert digests.send_due(now) == 0
    recipients = sorted(OutboxMessage.objects.values_list("email", flat=True))
    assert recipients == sorted(f"reader{n}@example.org" for n in range(7))
    assert AlertItem.objects.count() == 7


def test_a_readers_data_is_exported_and_erased_and_the_address_never_mailed_again(
    committing_client, smtp, french, capsys
):
    import json

    from portal.newsletter.models import Subscriber, Suppression

    alert = confirmed_alert(committing_client, smtp)
    Subscriber.objects.create(email="lectrice@example.org", status="subscribed", name="Awa")
    call_command("newsletter", "export", "LECTRICE@example.org")
    data = json.loads(capsys.readouterr().out)
    assert data["newsletter"]["subscriber"][0]["name"] == "Awa"
    assert data["search alerts"][0]["query"] == MALI_FINDINGS
    assert {e["kind"] for e in data["newsletter"]["emails"]} == {"email"}
    call_command("newsletter", "erase", "lectrice@example.org")
    assert SearchAlert.objects.filter(pk=alert.pk).exists(), "without --yes it only shows"
    call_command("newsletter", "erase", "lectrice@example.org", "--yes")
    assert not SearchAlert.objects.exists() and not Subscriber.objects.exists()
    assert not OutboxMessage.objects.filter(email__iexact="lectrice@example.org").exists()
    assert Suppression.covers("lectrice@example.org")
    before = len(smtp.messages)
    ask_for_alert(committing_client, MALI_FINDINGS)
    assert len(smtp.messages) == before, "an erased address is never mailed again"


def test_staff_see_what_readers_follow_without_their_addresses(
    admin_client, django_user_model, french
):
    now = timezone.now()
    for n, (query, frequency) in enumerate(
        [(MALI_FINDINGS, "weekly"), (MALI_FINDINGS, "daily"), ("country=NE", "weekly")]
    ):
        SearchAlert.objects.create(
            email=f"r{n}@example.org", query=query, language="fr", frequency=frequency,
            consent_version="2026-11", consent_language="fr", consent_text="…", next_due_at=now,
        )  # fmt: skip
    page = admin_client.get("/admin/reports/followed-searches/").content.decode()
    rows = page.split("<tbody>")[1]
    assert rows.index("country=ML&amp;type=findings") < rows.index("country=NE"), "most first"
    assert "<td>2</td><td>1</td><td>1</td>" in rows and "@example.org" not in page
    from django.contrib.auth.models import Group

    for group, status in (("Editors", 302), ("Newsletter managers", 200)):
        user = django_user_model.objects.create_user(group, f"{group[:3]}@x.org", "pw")
        user.groups.add(Group.objects.get(name=group))
        staff = Client()
        staff.force_login(user)
        assert staff.get("/admin/reports/followed-searches/").status_code == status, group


def test_an_alert_whose_search_no_longer_runs_waits_and_the_others_go_out(french, caplog):
    now = timezone.now()
    week_ago = now - datetime.timedelta(days=7)
    for n, query in enumerate(["lang=xx", MALI_FINDINGS]):  # xx: a language since removed
        SearchAlert.objects.create(
            email=f"r{n}@example.org", query=query, language="fr", consent_version="2026-11",
            consent_language="fr", consent_text="…", mark=week_ago, next_due_at=now,
        )  # fmt: skip
    publish_finding(french["publications"], "Résultats à Kayes", french["mali"])
    assert digests.send_due(now) == 1
    broken = SearchAlert.objects.get(query="lang=xx")
    assert broken.mark == week_ago and broken.next_due_at > now, "kept for the next run"
    assert "cannot run" in caplog.text and "lang" in caplog.text
