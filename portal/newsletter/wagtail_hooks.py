"""The subscriber list and the outbox in Wagtail's admin, under one "Newsletter" menu.

Rights follow Wagtail's model permissions (view, add, change, delete), given
to groups in Settings > Groups. Both listings filter and export to CSV.
"""

from django.core.exceptions import PermissionDenied
from django.urls import path
from wagtail import hooks
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.snippets.models import register_snippet

from . import admin_views, outbox
from .issue_admin import NewsletterIssueViewSet
from .models import OutboxMessage, Subscriber


class SubscriberEditView(EditView):
    def save_instance(self):
        """A staff change (a status, a name) reaches the provider like any other."""
        instance = super().save_instance()
        subscribed = Subscriber.Status.SUBSCRIBED
        known_to_provider = self.form.initial.get("status") == subscribed or instance.confirmed_at
        if self.form.has_changed() and (known_to_provider or instance.status == subscribed):
            outbox.queue_provider_sync(instance)
        return instance


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    icon = "mail"
    menu_label = "Subscribers"
    edit_view_class = SubscriberEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["email", "name", "organization", "country", "language", "status"]
    list_display = ["email", "name", "organization", "status", "signed_up_at", "confirmed_at"]
    list_filter = [
        "status",
        "language",
        "consent_version",
        "consent_language",
        "country",
        "signed_up_at",
        "confirmed_at",
    ]
    search_fields = ["email", "name", "organization"]
    list_export = [
        "email",
        "name",
        "organization",
        "country",
        "topics",
        "countries",
        "status",
        "language",
        "consent_version",
        "consent_language",
        "consent_text",
        "source_page",
        "signed_up_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    export_filename = "newsletter-subscribers"


class NoCreateView(CreateView):
    """Outbox rows are written by the portal only."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class OutboxViewSet(ModelViewSet):
    """Deliveries and their errors; set a failed one back to pending to send it again."""

    model = OutboxMessage
    icon = "list-ul"
    menu_label = "Outbox"
    add_view_class = NoCreateView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["state", "next_attempt_at"]
    list_display = ["email", "kind", "state", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["kind", "state", "created_at"]
    search_fields = ["email", "last_error"]
    list_export = [
        "email",
        "kind",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    export_filename = "newsletter-outbox"


class NewsletterGroup(ModelViewSetGroup):
    menu_label = "Newsletter"
    menu_icon = "mail"
    items = (SubscriberViewSet("newsletter_subscribers"), OutboxViewSet("newsletter_outbox"))


@hooks.register("register_admin_viewset")
def register_newsletter_viewsets():
    return NewsletterGroup()


register_snippet(NewsletterIssueViewSet)


@hooks.register("register_admin_urls")
def register_newsletter_issue_urls():
    return [
        path(
            "newsletter/updates/<int:pk>/send/",
            admin_views.IssueSendView.as_view(),
            name="newsletter_issue_send",
        ),
        path(
            "newsletter/updates/<int:pk>/test/",
            admin_views.send_test,
            name="newsletter_issue_test",
        ),
    ]
