"""Updates in Wagtail's admin: a snippet with the pages' review workflow and previews.

Editors write and submit updates; moderators approve (publish) and send them
(IssueSendView). The audience is chosen on the form, from the same interests the signup
offers.
"""

from django import forms
from django.conf import settings
from django.urls import reverse
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .interests import get_interests
from .models import NewsletterIssue


class IssueForm(WagtailAdminModelForm):
    topics = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    countries = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    languages = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        interests = get_interests()
        self.fields["topics"].choices = interests.topics()
        self.fields["countries"].choices = interests.countries()
        self.fields["languages"].choices = settings.LANGUAGES

    def clean(self):
        data = super().clean()
        segment = data.get("audience") == NewsletterIssue.Audience.SEGMENT
        if segment and not (data.get("topics") or data.get("countries") or data.get("languages")):
            self.add_error(
                "audience",
                "A segment needs at least one topic, country or language; or send it to everyone.",
            )
        if not segment:
            data["topics"], data["countries"], data["languages"] = [], [], []
        return data


class IssueIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        send = MenuItem(
            "Recipients, test and send",
            url=reverse("newsletter_issue_send", args=[instance.pk]),
            icon_name="mail",
            priority=5,
        )
        return [send, *super().get_list_more_buttons(instance)]


class NewsletterIssueViewSet(SnippetViewSet):
    model = NewsletterIssue
    icon = "mail"
    menu_label = "Email updates"
    add_to_admin_menu = True
    menu_order = 290
    url_prefix = "newsletter/updates"
    index_view_class = IssueIndexView
    list_display = ["subject", "language", "audience", "send_status", "send_at", "recipient_count"]
    list_filter = ["send_status", "language", "audience"]
    search_fields = ["subject"]
    copy_view_enabled = False
    edit_handler = ObjectList([
        FieldPanel("subject"),
        FieldPanel("language"),
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("topics"),
                FieldPanel("countries"),
                FieldPanel("languages"),
            ],
            heading="Audience",
        ),
    ], base_form_class=IssueForm)  # fmt: skip
