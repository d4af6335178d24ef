"""The newsletter in the reader's language: the form's choice, the consent agreed to, every email
and the pages its links open (in-memory mail; tests/test_newsletter_smtp.py does it over SMTP)."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core import mail

from portal.newsletter import consent
from portal.newsletter.models import Subscriber
from portal.newsletter.tokens import make_confirm_token

from .helpers import clear_rate_limits, links, signup_data

pytestmark = pytest.mark.django_db

FRENCH_SUBJECT = "Confirmez votre inscription aux nouvelles de Test portal"


@pytest.fixture
def client(committing_client, settings, home):
    settings.WAGTAIL_SITE_NAME = "Test portal"
    clear_rate_limits()
    yield committing_client
    clear_rate_limits()


def language_select(html, select_id="id_language"):
    """[(value, lang, name)] of the language select's options, and the selected values."""
    pattern = rf'<select name="language"[^>]*id="{select_id}"[^>]*>(.*?)</select>'
    select = re.search(pattern, html, re.S)
    assert select, "a language select"
    options, selected = [], []
    for attrs, name in re.findall(r"<option ([^>]*)>([^<]+)</option>", select.group(1)):
        value = re.search(r'value="(\w*)"', attrs).group(1)
        options.append((value, re.search(r'lang="(\w*)"', attrs).group(1), name))
        if re.search(r"\bselected\b", attrs):
            selected.append(value)
    return options, selected


def test_the_form_offers_the_site_languages_and_defaults_to_the_page(client):
    options, selected = language_select(client.get("/newsletter/").content.decode())
    assert options == [(code, code, name) for code, name in settings.LANGUAGES]
    assert selected == ["en"]
    assert language_select(client.get("/fr/newsletter/").content.decode())[1] == ["fr"]
    footer = client.get("/pt/").content.decode()
    assert language_select(footer, "footer-language")[1] == ["pt"], "the footer form too"
    assert "Língua dos e-mails" in footer


def test_an_unknown_language_is_a_form_error(client):
    response = client.post("/fr/newsletter/", signup_data(language="xx"))
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count('class="field-error"') == 1 and 'id="id_language_error"' in html
    assert "xx" in html and not Subscriber.objects.exists() and not mail.outbox


def test_a_french_signup_is_answered_and_written_to_in_french(client):
    response = client.post("/fr/newsletter/", signup_data("lea@example.org", language="fr"))
    assert response.status_code == 200 and "Consultez votre messagerie" in response.content.decode()
    assert Subscriber.objects.get().language == "fr"
    [message] = mail.outbox
    assert message.subject == FRENCH_SUBJECT
    assert message.body.startswith("Bonjour,") and "sept jours" in message.body
    html, _type = message.alternatives[0]
    assert '<html lang="fr">' in html and "Confirmer votre inscription</a>" in html
    found = links(message.body)
    assert found["confirm"].startswith("/fr/newsletter/confirm/")
    assert found["unsubscribe"].startswith("/fr/newsletter/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<http://testserver{found['unsubscribe']}>"
    assert message.extra_headers["Content-Language"] == "fr"

    confirmed = client.get(found["confirm"]).content.decode()
    assert "Votre inscription est confirmée" in confirmed
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "subscribed" and subscriber.language == "fr"
    assert (subscriber.consent_version, subscriber.consent_language) == (consent.CURRENT, "fr")
    assert subscriber.consent_text == consent.text(consent.CURRENT, "fr")
    unsubscribe = client.get(found["unsubscribe"]).content.decode()
    assert "Se désinscrire des nouvelles par e-mail" in unsubscribe


def test_the_chosen_language_writes_the_emails_and_the_page_the_consent(client):
    """On the English page, a reader who wants Portuguese emails agreed to the English text."""
    client.post("/newsletter/", signup_data("ana@example.org", language="pt"))
    [message] = mail.outbox
    assert message.subject == "Confirme a sua inscrição nas notícias de Test portal"
    assert links(message.body)["confirm"].startswith("/pt/newsletter/confirm/")
    client.get(links(message.body)["confirm"])
    subscriber = Subscriber.objects.get()
    assert (subscriber.language, subscriber.consent_language) == ("pt", "en")
    assert subscriber.consent_text == consent.text(consent.CURRENT, "en")


def test_a_post_without_a_language_gets_the_page_language(client):
    data = signup_data("old-form@example.org")
    data.pop("language", None)
    assert client.post("/pt/newsletter/", data).status_code == 200
    assert (
        mail.outbox[0].subject.startswith("Confirme") and Subscriber.objects.get().language == "pt"
    )


def test_an_already_subscribed_note_goes_in_the_subscriber_language(client):
    client.post("/fr/newsletter/", signup_data("lea@example.org", language="fr"))
    client.get(links(mail.outbox[0].body)["confirm"])
    client.post("/newsletter/", signup_data("lea@example.org", language="en"))
    note = mail.outbox[-1]
    assert note.subject == "Vous recevez déjà les nouvelles de Test portal"
    assert links(note.body)["confirm"].startswith("/fr/"), "the update link opens in French too"
    assert Subscriber.objects.get().language == "fr", "nothing changes until the owner confirms"
    client.get(links(note.body)["confirm"])
    assert Subscriber.objects.get().language == "en"


def test_links_signed_before_languages_confirm_the_english_consent(client):
    signup = {"e": "early@example.org", "n": "", "o": "", "c": "", "t": [], "k": [], "s": ""}
    signup["v"] = consent.CURRENT
    response = client.get(f"/newsletter/confirm/{make_confirm_token(signup)}/")
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert (subscriber.language, subscriber.consent_language) == ("en", "en")
    assert subscriber.consent_text == consent.text(consent.CURRENT, "en")


def test_the_consent_is_declared_in_every_language_and_shown_in_the_page_language(client):
    texts = {code: consent.text(consent.CURRENT, code) for code, _name in settings.LANGUAGES}
    assert all(texts.values()) and len(set(texts.values())) == len(texts)
    assert texts["fr"].startswith("J'accepte que le projet TRAction")
    assert texts["pt"].startswith("Aceito que o Projeto TRAction")
    for prefix, code in (("", "en"), ("/fr", "fr"), ("/pt", "pt")):
        html = client.get(f"{prefix}/newsletter/").content.decode()
        label = re.search(r'<label for="id_consent">(.*?)</label>', html, re.S).group(1)
        assert label.replace("&#x27;", "'") == texts[code]
    assert consent.current_text("de") == texts["en"], "a language without a text: the default"


def test_existing_records_keep_their_english_consent_after_the_migration(db):
    """Migration 0002's own steps, on today's schema (migrating the shared test database back
    and forth would leave it behind for the tests after this one)."""
    migration = importlib.import_module("portal.newsletter.migrations.0002_subscriber_language")
    added = migration.Migration.operations[0]
    assert (added.name, added.field.default) == ("language", "en"), "existing rows: English"
    Subscriber.objects.create(
        email="confirmed@example.org", status="subscribed", consent_version="2026-11"
    )
    Subscriber.objects.create(email="pending@example.org", status="pending")
    migration.english_consents(django_apps, None)
    rows = dict(Subscriber.objects.values_list("email", "consent_language"))
    assert rows == {"confirmed@example.org": "en", "pending@example.org": ""}
