"""Newsletter signup: double opt-in, no enumeration, unsubscribe, abuse and bad input (in-memory
mail)."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from portal.newsletter import consent
from portal.newsletter.models import OutboxMessage, Subscriber

from .factories import CountryFactory, TopicFactory
from .helpers import clear_rate_limits, links, signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(committing_client):
    return committing_client


@pytest.fixture(autouse=True)
def fresh_limits(home):
    clear_rate_limits()
    yield
    clear_rate_limits()


def sign_up(client, **data):
    return client.post("/newsletter/", signup_data(**data))


def test_footer_form_on_pages_and_full_form_on_its_own_page(client, home):
    html = client.get(home.url).content.decode()
    assert 'id="footer-heading"' in html
    assert "csrfmiddlewaretoken" not in html, (
        "no per-visitor token: the page can be cached for everyone"
    )
    assert 'value="/"' in html, "the footer form records the page it was on"
    page = client.get("/newsletter/").content.decode()
    assert "footer-heading" not in page and 'id="id_email"' in page
    assert consent.current_text() in page


def test_signup_sends_a_confirmation_and_following_it_subscribes(client):
    topic, country = TopicFactory(name="Costing"), CountryFactory(name="Mali", code="ML")
    response = sign_up(
        client,
        email="Ann@Example.ORG",
        name="Ann",
        topics=[topic.slug],
        countries=["ML"],
        source="/x/",
    )
    assert response.status_code == 200 and b"ann@example.org" in response.content.lower()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending" and subscriber.email == "Ann@example.org", (
        "domain lower-cased"
    )
    assert subscriber.source_page == "/x/" and subscriber.topics == [topic.slug]
    [message] = mail.outbox
    assert message.to == ["Ann@example.org"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = links(message.body)["confirm"]
    assert client.get(confirm).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "subscribed" and subscriber.confirmed_at
    assert (
        subscriber.consent_version == consent.CURRENT
        and subscriber.consent_text == consent.current_text()
    )
    assert subscriber.countries == [country.code]
    again = client.get(confirm)
    assert again.status_code == 200 and b"already subscribed" in again.content


def test_known_and_new_addresses_get_the_same_public_answer(client):
    sign_up(client, email="known@example.org")
    client.get(links(mail.outbox[0].body)["confirm"])
    known = sign_up(client, email="known@example.org").content.decode()
    new = sign_up(client, email="newone@example.org").content.decode()

    def normalise(html, address):
        html = html.replace(address, "ADDRESS")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)

    assert normalise(known, "known@example.org") == normalise(new, "newone@example.org")
    assert Subscriber.objects.get(email="known@example.org").status == "subscribed", (
        "a signup changes nothing"
    )
    assert "already receive" in mail.outbox[-2].body and "confirm" in mail.outbox[-1].body


def test_a_signup_for_a_subscribed_address_changes_nothing_until_confirmed(client):
    sign_up(client, email="ann@example.org", name="Ann")
    client.get(links(mail.outbox[0].body)["confirm"])
    sign_up(client, email="ann@example.org", name="Mallory")
    assert Subscriber.objects.get().name == "Ann"
    client.get(links(mail.outbox[-1].body)["confirm"])  # the owner follows the update link
    assert Subscriber.objects.get().name == "Mallory"


def test_unsubscribe_by_link_and_one_click_post(client):
    sign_up(client)
    client.get(links(mail.outbox[0].body)["confirm"])
    unsubscribe = links(mail.outbox[0].body)["unsubscribe"]
    page = client.get(unsubscribe)
    assert page.status_code == 200 and b"ann@example.org" in page.content
    assert Subscriber.objects.get().status == "subscribed", (
        "opening the link (a scanner may) changes nothing"
    )
    done = client.post(unsubscribe)
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at
    twice = client.post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert twice.status_code == 200 and b"already unsubscribed" in twice.content


def test_one_click_post_needs_no_csrf_cookie(client):
    from django.test import Client

    sign_up(client)
    client.get(links(mail.outbox[0].body)["confirm"])
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        links(mail.outbox[0].body)["unsubscribe"], {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200 and Subscriber.objects.get().status == "unsubscribed"


def test_the_signup_needs_no_csrf_token_but_refuses_other_sites(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/newsletter/",
        signup_data(email="own@example.org"),
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert (
        response.status_code == 200 and Subscriber.objects.filter(email="own@example.org").exists()
    )
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
    ):
        refused = strict.post(
            "/newsletter/", signup_data(email="forged@example.org"), headers=headers
        )
        assert refused.status_code == 403 and b"only be sent from this site" in refused.content, (
            headers
        )
    assert not Subscriber.objects.filter(email="forged@example.org").exists()
    same_origin = strict.post(
        "/newsletter/", signup_data(email="o@example.org"), headers={"Origin": "http://testserver"}
    )
    assert same_origin.status_code == 200


def test_a_bad_hidden_source_is_dropped_not_an_error(client):
    response = sign_up(client, email="src@example.org", source="/a\x00b")
    assert (
        response.status_code == 200
        and Subscriber.objects.get(email="src@example.org").source_page == ""
    )


def test_an_unknown_host_gets_a_page_saying_so(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert (
        response.status_code == 400
        and b"host name is not one this site answers to" in response.content
    )


def test_resubscribing_later(client):
    sign_up(client)
    first = links(mail.outbox[0].body)
    client.get(first["confirm"])
    client.post(first["unsubscribe"])
    sign_up(client)
    assert Subscriber.objects.get().status == "unsubscribed", (
        "still unsubscribed until the new link is followed"
    )
    client.get(links(mail.outbox[-1].body)["confirm"])
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "subscribed" and subscriber.unsubscribed_at, "the history is kept"


@pytest.mark.parametrize(
    "token, status, text",
    [("nonsense", 400, b"not valid"), ("a" * 3000, 400, b"not valid")],
)
def test_bad_confirmation_links_get_a_clear_page(client, token, status, text):
    response = client.get(f"/newsletter/confirm/{token}/")
    assert response.status_code == status and text in response.content


def test_expired_confirmation_links_say_so(client, settings):
    sign_up(client)
    settings.NEWSLETTER = {**settings.NEWSLETTER, "CONFIRM_MAX_AGE": -1}
    response = client.get(links(mail.outbox[0].body)["confirm"])
    assert response.status_code == 400 and b"expired" in response.content
    assert Subscriber.objects.get().status == "pending"


def test_bad_unsubscribe_link(client):
    response = client.post("/newsletter/unsubscribe/forged/")
    assert response.status_code == 400 and b"not valid" in response.content


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"email": "ann@example.org\r\nBcc: x@evil.test"}, "email", "single line"),
        ({"name": "Ann\nBcc: x@evil.test"}, "name", "single line"),
        ({"email": "a" * 250 + "@example.org"}, "email", "at most 254"),
        ({"organization": "x" * 201}, "organization", "at most 200"),
        ({"consent": ""}, "consent", "Tick the box"),
        ({"topics": ["no-such-topic"]}, "topics", "valid choice"),
        ({"country": "XX"}, "country", "valid choice"),
    ],
)
def test_bad_input_gets_a_form_error_and_keeps_what_was_typed(client, data, field, message):
    response = sign_up(client, **{"name": "Ann Typed", **data})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html, html[:200]
    assert html.count('class="field-error"') == 1, "the one error is shown at its field"
    invalid = re.findall(r'<(?:input|select)\b[^>]*\bname="(\w+)"[^>]*aria-invalid="true"', html)
    # A group of checkboxes (topics) is marked by the error in its fieldset, not box by box.
    assert invalid == ([] if field == "topics" else [field])
    if field != "name":
        assert 'value="Ann Typed"' in html, "nothing the person typed is lost"
    assert not Subscriber.objects.exists() and not mail.outbox


def test_honeypot_submissions_are_dropped_silently_and_logged(client, caplog):
    response = sign_up(client, email="bot@example.org", website="http://spam.example")
    assert response.status_code == 200 and b"Check your email" in response.content
    assert not Subscriber.objects.exists() and not mail.outbox
    assert "honeypot" in caplog.text


@override_settings(
    NEWSLETTER={
        "PROVIDER": {"BACKEND": "portal.newsletter.providers.local.LocalProvider"},
        "CONFIRM_MAX_AGE": 3600,
        "RATE_LIMITS": {"ip": (3, 3600), "email": (2, 3600)},
    }
)
def test_rate_limits_per_client_and_per_address(client):
    assert sign_up(client, email="a@example.org").status_code == 200
    assert sign_up(client, email="a@example.org").status_code == 200
    limited = sign_up(client, email="a@example.org")
    assert limited.status_code == 429 and b"try again in an hour" in limited.content
    clear_rate_limits()
    for n in range(3):
        assert sign_up(client, email=f"p{n}@example.org").status_code == 200
    assert sign_up(client, email="another@example.org").status_code == 429
    other_client = client.post("/newsletter/", signup_data("x@example.org"), REMOTE_ADDR="10.0.0.9")
    assert other_client.status_code == 200


def test_get_and_post_only(client):
    assert client.put("/newsletter/").status_code == 405


def test_no_provider_means_no_provider_messages(client):
    sign_up(client)
    client.get(links(mail.outbox[0].body)["confirm"])
    assert not OutboxMessage.objects.filter(kind="provider").exists()
    assert OutboxMessage.objects.get(kind="email").state == "sent"


def test_every_error_a_field_points_to_exists(client):
    """aria-describedby names the error paragraph by its id, for every field with an error."""
    data = signup_data(email="not-an-email", name="x" * 300, organization="y" * 300, country="ZZ")
    data.pop("consent", None)
    page = client.post("/newsletter/", data).content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    described = {
        ref for refs in re.findall(r'aria-describedby="([^"]+)"', page) for ref in refs.split()
    }
    assert {"id_email_error", "id_consent_error", "id_name_error"} <= described
    assert described <= ids, f"pointing at nothing: {described - ids}"
