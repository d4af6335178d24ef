"""Mailchimp Marketing API v3: upsert the list member, set tags for interests, unsubscribe, archive.

Endpoints used (as Mailchimp documents them):
  PUT    /3.0/lists/{list_id}/members/{subscriber_hash}        add or update a member
  POST   /3.0/lists/{list_id}/members/{subscriber_hash}/tags   tags active/inactive (204)
  DELETE /3.0/lists/{list_id}/members/{subscriber_hash}        archive (after an admin deletes)
Authentication is HTTP Basic with any user name and the API key, whose suffix
names the data centre (`…-us21` → https://us21.api.mailchimp.com/3.0).
The portal confirms addresses itself, so members arrive as "subscribed"
(never "pending", which would make Mailchimp send its own confirmation). A member's
`language` is the subscriber's ("en", "fr", "pt"), so campaigns can be sent per language.
"""

import base64

from ..interests import get_interests
from ..models import email_hash_of
from .base import BaseProvider, PermanentFailure, http_json


class MailchimpProvider(BaseProvider):
    label = "mailchimp"
    enabled = True

    def __init__(
        self,
        API_KEY,
        LIST_ID,
        URL="",
        TIMEOUT=5.0,
        NAME_FIELD="FNAME",
        ORGANIZATION_FIELD="",
        **options,
    ):
        super().__init__(**options)
        datacentre = API_KEY.rpartition("-")[2] or "us1"
        self.base_url = (URL or f"https://{datacentre}.api.mailchimp.com/3.0").rstrip("/")
        self.list_id = LIST_ID
        self.timeout = float(TIMEOUT)
        self.merge_fields = {"name": NAME_FIELD, "organization": ORGANIZATION_FIELD}
        token = base64.b64encode(f"portal:{API_KEY}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def member_url(self, email_hash):
        return f"{self.base_url}/lists/{self.list_id}/members/{email_hash}"

    def call(self, method, url, body=None):
        return http_json(method, url, body, headers=self.headers, timeout=self.timeout)

    def deliver(self, message):
        subscriber = message.subscriber
        if subscriber is None or message.payload.get("action") == "delete":
            email_hash = email_hash_of(message.email)
            try:
                self.call("DELETE", self.member_url(email_hash))
            except PermanentFailure as error:
                if "404" not in str(error):  # already gone is what we wanted
                    raise
            return
        status = (
            "subscribed" if subscriber.status == subscriber.Status.SUBSCRIBED else "unsubscribed"
        )
        member = {
            "email_address": subscriber.email,
            "status_if_new": status,
            "status": status,
            "language": subscriber.language,
        }
        merge = {
            field: getattr(subscriber, name)
            for name, field in self.merge_fields.items()
            if field and getattr(subscriber, name)
        }
        if merge:
            member["merge_fields"] = merge
        url = self.member_url(subscriber.email_hash)
        self.call("PUT", url, member)
        tags = interest_tags(subscriber)
        dropped = [name for name in subscriber.provider_tags if name not in tags]
        if tags or dropped:
            body = [{"name": name, "status": "active"} for name in tags]
            body += [{"name": name, "status": "inactive"} for name in dropped]
            self.call("POST", f"{url}/tags", {"tags": body})
        if subscriber.provider_tags != tags:
            type(subscriber).objects.filter(pk=subscriber.pk).update(provider_tags=tags)


def interest_tags(subscriber):
    """Interests as readable tags: "Topic: Costing and financing", "Country: Mali"."""
    interests = get_interests()
    topics = interests.topic_names(subscriber.topics)
    countries = interests.country_names(subscriber.countries)
    return [f"Topic: {topics.get(s, s)}" for s in subscriber.topics] + [
        f"Country: {countries.get(c, c)}" for c in subscriber.countries
    ]
