"""Updates written in Wagtail and sent to a segment: the workflow, the rights, the audience,
the emails, and the bad inputs staff can make."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from portal.newsletter import schedule, updates
from portal.newsletter.models import NewsletterIssue, OutboxMessage, Subscriber, Suppression

from .factories import FindingsPageFactory, PublicationIndexPageFactory, TopicFactory

pytestmark = pytest.mark.django_db
ISSUES = "wagtailsnippets_newsletter_newsletterissue"


def subscriber(email, status="subscribed", language="pt", topics=("costing",), **extra):
    return Subscriber.objects.create(
        email=email, status=status, language=language, topics=list(topics), **extra
    )


def issue_form(subject="Novidades do TRAction", audience="segment", **fields):
    return nested_form_data(
        {
            "subject": subject,
            "language": "pt",
            "intro": "As novidades deste mês.",
            "body": streamfield([("paragraph", rich_text("<p>Texto da atualização.</p>"))]),
            "audience": audience,
            **fields,
        }
    )


def live_issue(**fields):
    fields = {"subject": "Novidades", "language": "pt", "audience": "segment", **fields}
    issue = NewsletterIssue.objects.create(**fields)
    issue.save_revision().publish()
    issue.refresh_from_db()
    return issue


def send_now(issue):
    updates.schedule(issue, timezone.now(), None)
    queued = schedule.run_due(timezone.now())["updates"]
    call_command("newsletter", "sync")
    return queued


def test_a_segment_reaches_exactly_its_confirmed_subscribers(home):
    TopicFactory(name="Costing", slug="costing")
    expected = {
        subscriber("ana@example.org").email,
        subscriber("rui@example.org", topics=("costing", "policy")).email,
    }
    subscriber("pending@example.org", status="pending")
    subscriber("gone@example.org", status="unsubscribed")
    subscriber("bounced@example.org", status="bounced")
    subscriber("suppressed@example.org")
    Suppression.add("Suppressed@Example.org", Suppression.Reason.COMPLAINED)
    subscriber("english@example.org", language="en")
    subscriber("policy@example.org", topics=("policy",))
    issue = live_issue(topics=["costing"], languages=["pt"])
    assert updates.recipient_count(issue) == 2
    assert send_now(issue) == 2
    assert {message.to[0] for message in mail.outbox} == expected
    first = mail.outbox[0]
    assert first.subject == "Novidades" and first.extra_headers["Content-Language"] == "pt"
    assert first.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = first.alternatives[0][0]
    assert "<img" not in html and "Cancelar a inscrição" in html, "no images, in Portuguese"
    assert schedule.run_due(timezone.now())["updates"] == 0, "sent once, whatever reruns"
    call_command("newsletter", "sync")
    assert len(mail.outbox) == 2
    with pytest.raises(ValueError):
        updates.schedule(issue, timezone.now(), None)  # sent already: never again
    issue.refresh_from_db()
    assert updates.delivery(issue) == {
        "recipients": 2, "queued": 0, "sent": 2, "failed": 0, "bounced": 0, "unsubscribed": 0,
    }  # fmt: skip


def test_whats_new_lists_what_appeared_since_the_last_update(home):
    """The block lists pages first published since the previous update went out."""
    from search import indexing

    topic = TopicFactory(name="Costing", slug="costing")
    publications = PublicationIndexPageFactory(parent=home)
    old = FindingsPageFactory(parent=publications, title="Old costing", live=False)
    old.topics.set([topic]), old.save_revision().publish()
    earlier = live_issue(subject="Earlier", languages=["en"])
    NewsletterIssue.objects.filter(pk=earlier.pk).update(queued_at=timezone.now())
    new = FindingsPageFactory(parent=publications, title="New costing", live=False)
    new.topics.set([topic]), new.save_revision().publish()
    indexing.process_pending()
    body = [("whats_new", {"heading": "New", "topics": ["costing"], "countries": [], "limit": 5})]
    issue = NewsletterIssue.objects.create(
        subject="This month", language="en", audience="everyone", body=body
    )
    email = updates.preview_email(issue, "me@example.org")
    assert "New costing" in email["text"] and "Old costing" not in email["text"]
    assert f"http://testserver{new.url}" in email["html"]


def test_editors_write_and_submit_moderators_approve_and_send(client, home, people):
    subscriber("ana@example.org")
    client.force_login(people["editor"])
    response = client.post(
        reverse(f"{ISSUES}:add"),
        issue_form(audience="everyone", **{"action-submit": "Submit"}),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    issue = NewsletterIssue.objects.get()
    assert not issue.live and issue.current_workflow_state.status == "in_progress"
    send_page = reverse("newsletter_issue_send", args=[issue.pk])
    assert "Only moderators can send" in client.get(send_page).content.decode()
    denied = client.post(send_page, {"when": "now"})
    assert denied.status_code in (302, 403) and not NewsletterIssue.objects.get().send_at

    client.force_login(people["moderator"])
    task_state = issue.current_workflow_state.current_task_state
    approve = reverse(f"{ISSUES}:workflow_action", args=(issue.pk, "approve", task_state.pk))
    assert client.post(approve, {"comment": "Bom."}).status_code == 302
    issue.refresh_from_db()
    assert issue.live
    page = client.get(send_page).content.decode()
    assert "1 recipient" in page
    assert client.post(send_page, {"when": "now"}).status_code == 302
    assert schedule.run_due(timezone.now())["updates"] == 1


def test_the_listing_links_each_update_to_its_send_page(admin_client, home):
    issue = live_issue(subject="Listed update")
    listing = admin_client.get(reverse(f"{ISSUES}:list"))
    assert listing.status_code == 200 and "Listed update" in listing.content.decode()
    assert reverse("newsletter_issue_send", args=[issue.pk]) in listing.content.decode()


def test_previews_and_a_test_to_oneself(
    admin_client, home, django_user_model, django_capture_on_commit_callbacks
):
    issue = live_issue(audience="everyone", subject="Preview me")
    preview = reverse(f"{ISSUES}:preview_on_edit", args=[issue.pk])
    data = issue_form(subject="Preview me", audience="everyone")
    assert admin_client.post(preview, data).json()["is_valid"]
    html = admin_client.get(preview, {"mode": "email"})
    assert html.status_code == 200 and b"Preview me" in html.content and b"<img" not in html.content
    text = admin_client.get(preview, {"mode": "text"})
    assert text["Content-Type"].startswith("text/plain") and b"Preview me" in text.content
    admin = django_user_model.objects.get(username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("newsletter_issue_test", args=[issue.pk]))
    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.to == [admin.email] and sent.subject == "Preview me"


def test_bad_input_is_a_form_error_never_a_500(admin_client, home):
    add = reverse(f"{ISSUES}:add")
    long_subject = admin_client.post(add, issue_form(subject="x" * 151))
    assert (
        long_subject.status_code == 200
        and "at most 150 characters" in long_subject.content.decode()
    )
    # A draft may leave it for later (Wagtail defers required fields on drafts); publishing
    # may not.
    no_audience = admin_client.post(add, issue_form(audience="", **{"action-publish": "1"}))
    assert (
        no_audience.status_code == 200 and "This field is required" in no_audience.content.decode()
    )
    empty_segment = admin_client.post(
        add, issue_form(audience="segment", **{"action-publish": "1"})
    )
    assert "A segment needs at least one topic" in empty_segment.content.decode()
    assert not NewsletterIssue.objects.exists()

    subscriber("ana@example.org")
    issue = live_issue(audience="everyone")
    send_page = reverse("newsletter_issue_send", args=[issue.pk])
    past = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = admin_client.post(send_page, {"when": "later", "send_at": past})
    assert response.status_code == 200 and "This time has passed" in response.content.decode()
    response = admin_client.post(send_page, {"when": "later", "send_at": "next tuesday"})
    assert response.status_code == 200 and "Enter a valid date/time" in response.content.decode()
    nobody = live_issue(languages=["fr"])
    response = admin_client.post(
        reverse("newsletter_issue_send", args=[nobody.pk]), {"when": "now"}
    )
    assert "Nobody is in this audience" in response.content.decode()
    assert not NewsletterIssue.objects.filter(send_status="scheduled").exists()
    assert not OutboxMessage.objects.exists()


def test_a_crash_while_queuing_loses_nobody_and_doubles_nobody(home, monkeypatch):
    for n in range(7):
        subscriber(f"reader{n}@example.org")
    issue = live_issue(audience="everyone")
    monkeypatch.setattr(updates, "CHUNK", 3)
    real = updates.outbox.queue_bulk
    calls = {"n": 0}

    def crash_on_second_chunk(messages):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(messages)

    monkeypatch.setattr(updates.outbox, "queue_bulk", crash_on_second_chunk)
    updates.schedule(issue, timezone.now(), None)
    with pytest.raises(RuntimeError):
        schedule.run_due(timezone.now())
    assert OutboxMessage.objects.count() == 3
    monkeypatch.setattr(updates.outbox, "queue_bulk", real)
    assert schedule.run_due(timezone.now())["updates"] == 4
    call_command("newsletter", "sync")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"reader{n}@example.org" for n in range(7)
    )
