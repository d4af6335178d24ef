"""Editorial workflow: an editor submits, a moderator approves, the page goes live; editors cannot
publish."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page, Workflow
from wagtail.test.utils.form_data import streamfield

from briefs.models import NewsPage

from .factories import NewsIndexPageFactory
from .helpers import page_form

pytestmark = pytest.mark.django_db


def news_form(title, **action):
    slug = title.lower().replace(" ", "-")
    fields = {
        "date": "2014-06-01",
        "summary": "The supplement is out.",
        "hero_image": "",
        "body": streamfield([]),
    }
    return {**page_form(title=title, slug=slug, **fields), **action}


def test_roles_have_the_least_rights_they_need():
    editors, moderators = Group.objects.get(name="Editors"), Group.objects.get(name="Moderators")
    assert not editors.permissions.filter(codename__in=["delete_image", "delete_document"]).exists()
    assert moderators.permissions.filter(codename="add_topic").exists()
    assert not editors.permissions.filter(codename="add_topic").exists()
    managers = Group.objects.get(name="Newsletter managers")
    assert set(managers.permissions.values_list("codename", flat=True)) >= {
        "view_subscriber",
        "access_admin",
    }
    assert not editors.permissions.filter(
        content_type__model__in=["subscriber", "outboxmessage"]
    ).exists(), "the list is personal data: editors write updates, they never see it"
    assert Workflow.objects.get(name="Moderators approval").active


def test_editor_submits_moderator_approves_and_the_page_goes_live(client, home, people):
    index = NewsIndexPageFactory(parent=home)
    client.force_login(people["editor"])
    add_url = reverse("wagtailadmin_pages:add", args=("briefs", "newspage", index.pk))
    response = client.post(add_url, news_form("Moderated update", **{"action-submit": "Submit"}))
    assert response.status_code == 302, response.content[:500]
    page = NewsPage.objects.get(title="Moderated update")
    assert not page.live and page.current_workflow_state.status == "in_progress"

    client.force_login(people["moderator"])
    task_state = page.current_workflow_state.current_task_state
    approve = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk)
    )
    response = client.post(approve, {"comment": "Looks right."})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live, "approval of the only task publishes"
    assert client.get(page.url).status_code == 200


def test_an_editor_cannot_publish_directly(client, home, people):
    index = NewsIndexPageFactory(parent=home)
    client.force_login(people["editor"])
    add_url = reverse("wagtailadmin_pages:add", args=("briefs", "newspage", index.pk))
    client.post(add_url, news_form("Sneaky update", **{"action-publish": "Publish"}))
    page = Page.objects.get(title="Sneaky update")
    assert not page.live
