"""Staff views of an update: schedule it (moderators only), send a test, see its delivery.

The logic is in updates.py; these read the form, check the right and render.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import updates
from .models import NewsletterIssue

SEND_PERMISSION = "newsletter.send_newsletterissue"


class ScheduleForm(forms.Form):
    when = forms.ChoiceField(
        choices=[("now", "Now"), ("later", "At a time")], widget=forms.RadioSelect, initial="now"
    )
    send_at = forms.DateTimeField(
        required=False,
        label="Send at",
        help_text="In the site's time zone.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            send_at = data.get("send_at")
            if send_at is None:
                self.add_error("send_at", "Give the date and time to send it at.")
            elif send_at <= timezone.now():
                self.add_error("send_at", "This time has passed: choose one in the future.")
        return data

    def send_time(self):
        data = self.cleaned_data
        return data["send_at"] if data["when"] == "later" else timezone.now()


class IssueSendView(WagtailAdminTemplateMixin, FormView):
    """Recipients and delivery of an update, and (for moderators) scheduling it."""

    template_name = "newsletter/admin/send.html"
    form_class = ScheduleForm
    header_icon = "mail"

    def dispatch(self, request, pk):
        self.issue = get_object_or_404(NewsletterIssue, pk=pk)
        if not request.user.has_perm("newsletter.view_newsletterissue"):
            raise PermissionDenied
        self.can_send = request.user.has_perm(SEND_PERMISSION)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return f"Send: {self.issue.subject}"

    def get_breadcrumbs_items(self):
        viewset = NewsletterIssue.snippet_viewset
        return [
            *self.breadcrumbs_items,
            {"url": reverse(viewset.get_url_name("list")), "label": "Email updates"},
            {"url": reverse(viewset.get_url_name("edit"), args=[self.issue.pk]),
             "label": self.issue.subject},
            {"url": "", "label": "Recipients, test and send"},
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            issue=self.issue,
            can_send=self.can_send,
            recipients=updates.recipient_count(self.issue),
            delivery=updates.delivery(self.issue),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.can_send:
            raise PermissionDenied  # editors write updates; moderators send them
        if "unschedule" in request.POST:
            updates.unschedule(self.issue)
            messages.success(request, "The update is no longer scheduled.")
            return redirect(self.request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        problem = self.cannot_schedule()
        if problem:
            form.add_error(None, problem)
            return self.form_invalid(form)
        updates.schedule(self.issue, form.send_time(), self.request.user)
        messages.success(self.request, "The update is scheduled.")
        return redirect(self.request.path)

    def cannot_schedule(self):
        issue = self.issue
        if not issue.live:
            return "Only an approved (published) update can be sent: submit it for moderation."
        if issue.send_status == NewsletterIssue.Status.QUEUED:
            return "This update has been sent already."
        segment = issue.audience == NewsletterIssue.Audience.SEGMENT
        if not issue.audience or (
            segment and not (issue.topics or issue.countries or issue.languages)
        ):
            return "Choose its audience (everyone, or a segment) and publish it again."
        if updates.recipient_count(issue) == 0:
            return "Nobody is in this audience: no one would get it."
        return ""


def send_test(request, pk):
    """POST: the update, as a reader gets it, to the staff member's own address."""
    issue = get_object_or_404(NewsletterIssue, pk=pk)
    if request.method != "POST" or not request.user.has_perm("newsletter.change_newsletterissue"):
        raise PermissionDenied
    if not request.user.email:
        messages.error(request, "Your account has no email address: add one in your account.")
    else:
        updates.send_test(issue, request.user)
        messages.success(request, f"A test has been sent to {request.user.email}.")
    return redirect(reverse("newsletter_issue_send", args=[issue.pk]))
