"""End to end over a real SMTP server (aiosmtpd on 127.0.0.1): sign up, confirm, unsubscribe."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from portal.newsletter.models import OutboxMessage, Subscriber

from .helpers import free_port, links, signup_data, text_of

pytestmark = pytest.mark.django_db


def test_signup_confirm_and_unsubscribe_over_smtp(committing_client, smtp):
    response = committing_client.post(
        "/newsletter/", signup_data("reader@example.org", name="Reader")
    )
    assert response.status_code == 200
    [(recipients, message)] = smtp.messages
    assert recipients == ["reader@example.org"] and message["From"] == "updates@traction.test"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(preferencelist=("html",)) is not None, "an HTML part as well as text"

    assert committing_client.get(links(text_of(message))["confirm"]).status_code == 200
    assert Subscriber.objects.get().status == "subscribed"

    unsubscribe = links(text_of(message))["unsubscribe"]
    header_url = message["List-Unsubscribe"].strip("<>")
    assert header_url.endswith(unsubscribe)
    assert committing_client.get(unsubscribe).status_code == 200
    committing_client.post(unsubscribe)
    assert Subscriber.objects.get().status == "unsubscribed"


def test_one_click_unsubscribe_from_the_header_over_smtp(committing_client, smtp):
    committing_client.post("/newsletter/", signup_data("reader@example.org"))
    [(_, message)] = smtp.messages
    committing_client.get(links(text_of(message))["confirm"])
    path = "/" + message["List-Unsubscribe"].strip("<>").split("/", 3)[3]
    response = committing_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and Subscriber.objects.get().status == "unsubscribed"


def test_a_french_reader_gets_french_mail_and_french_pages_over_smtp(committing_client, smtp):
    response = committing_client.post(
        "/fr/newsletter/", signup_data("lea@example.org", language="fr")
    )
    assert response.status_code == 200 and "Consultez votre messagerie" in response.text
    [(_, message)] = smtp.messages
    assert message["Subject"] == "Confirmez votre inscription aux nouvelles de TRAction Project"
    assert message["Content-Language"] == "fr"
    text = text_of(message)
    assert text.startswith("Bonjour,") and "probablement vous" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="fr">' in html and "Confirmer votre inscription</a>" in html
    found = links(text)
    assert found["confirm"].startswith("/fr/newsletter/confirm/")
    assert found["unsubscribe"].startswith("/fr/newsletter/unsubscribe/")

    confirmed = committing_client.get(found["confirm"])
    assert "Votre inscription est confirmée" in confirmed.text
    header_url = message["List-Unsubscribe"].strip("<>")
    path = "/" + header_url.split("/", 3)[3]
    assert path == found["unsubscribe"], "the header and the body give the same French page"
    page = committing_client.get(path)
    assert page.status_code == 200 and '<button type="submit">Me désinscrire</button>' in page.text
    done = committing_client.post(path)
    assert "Votre désinscription est effectuée" in done.text
    assert Subscriber.objects.get().status == "unsubscribed"


def test_smtp_down_keeps_the_signup_and_sends_the_email_later(committing_client, settings, smtp):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    response = committing_client.post("/newsletter/", signup_data("reader@example.org"))
    assert response.status_code == 200 and Subscriber.objects.get().status == "pending"
    message = OutboxMessage.objects.get(kind="email")
    assert message.state == "pending" and message.last_error
    settings.EMAIL_PORT = smtp.port
    cache.clear()
    call_command("newsletter", "sync", "--now")
    assert len(smtp.messages) == 1 and OutboxMessage.objects.get(kind="email").state == "sent"
