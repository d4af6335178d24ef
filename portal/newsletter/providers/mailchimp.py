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

An update is one campaign (`sends_campaigns`), in steps that each look before they act, so
a retry after a 500 or a timeout (the change made, the answer lost) repeats nothing:
  GET/POST /3.0/lists/{list_id}/segments        the audience as a static segment (a tag)
  GET/POST /3.0/campaigns                       one campaign, found again by its title
  PUT      /3.0/campaigns/{id}/content          its HTML and plain text
  GET      /3.0/campaigns/{id}                  its status: scheduled or sent already?
  POST     /3.0/campaigns/{id}/actions/schedule (a quarter hour, as Mailchimp requires) or send
The portal works out the audience (its list is the source of truth), so the segment is
exactly the update's recipients, whatever mix of topics, countries and languages it has.
"""

import base64
import datetime

from ..interests import get_interests
from ..models import NewsletterIssue, email_hash_of
from .base import BaseProvider, PermanentFailure, http_json


class MailchimpProvider(BaseProvider):
    label = "mailchimp"
    enabled = True
    sends_campaigns = True

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
        if message.payload.get("action") == "campaign":
            return self.send_campaign(message.payload)
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

    # --- Campaigns ----------------------------------------------------------------------

    def send_campaign(self, update):
        """Create (once), fill, and schedule or send (once) the campaign of an update."""
        title = f"portal-update-{update['issue']}"
        segment_id = self._segment(f"{title}: {update['subject']}"[:100], update["emails"])
        campaign = self._find_campaign(title) or self.call("POST", f"{self.base_url}/campaigns", {
            "type": "regular",
            "recipients": {"list_id": self.list_id,
                           "segment_opts": {"saved_segment_id": segment_id}},
            "settings": {"title": title, "subject_line": update["subject"],
                         "from_name": update.get("from_name", "")[:100],
                         "reply_to": update.get("reply_to", "")},
            "tracking": {"opens": bool(update.get("track_opens")), "html_clicks": False,
                         "text_clicks": False},
        })[1]  # fmt: skip
        url = f"{self.base_url}/campaigns/{campaign['id']}"
        NewsletterIssue.objects.filter(pk=update["issue"]).update(campaign_id=campaign["id"])
        if campaign.get("status", "save") != "save":
            return campaign["id"]  # scheduled or sent by an earlier attempt
        self.call("PUT", f"{url}/content", {"html": update["html"], "plain_text": update["text"]})
        when = _quarter_hour(update.get("send_at"))
        if when:
            self.call("POST", f"{url}/actions/schedule", {"schedule_time": when})
        else:
            self.call("POST", f"{url}/actions/send")
        return campaign["id"]

    def _segment(self, name, emails):
        _status, found = self.call("GET", f"{self.base_url}/lists/{self.list_id}/segments"
                                   "?type=static&count=1000")  # fmt: skip
        for segment in (found or {}).get("segments", []):
            if segment["name"] == name:
                return segment["id"]
        body = {"name": name, "static_segment": emails}
        return self.call("POST", f"{self.base_url}/lists/{self.list_id}/segments", body)[1]["id"]

    def _find_campaign(self, title):
        query = f"?list_id={self.list_id}&count=1000&sort_field=create_time&sort_dir=DESC"
        _status, found = self.call("GET", f"{self.base_url}/campaigns{query}")
        return next(
            (c for c in (found or {}).get("campaigns", []) if c["settings"].get("title") == title),
            None,
        )


def _quarter_hour(value):
    """Mailchimp schedules on quarter hours only: the next one at or after `value`, or None
    when it is (nearly) now: send at once instead."""
    if not value:
        return None
    when = datetime.datetime.fromisoformat(value)
    now = datetime.datetime.now(datetime.UTC)
    if when <= now + datetime.timedelta(minutes=15):
        return None
    rounded = when.replace(second=0, microsecond=0)
    if rounded < when:
        rounded += datetime.timedelta(minutes=1)
    rounded += datetime.timedelta(minutes=(-rounded.minute) % 15)
    return rounded.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def interest_tags(subscriber):
    """Interests as readable tags: "Topic: Costing and financing", "Country: Mali"."""
    interests = get_interests()
    topics = interests.topic_names(subscriber.topics)
    countries = interests.country_names(subscriber.countries)
    return [f"Topic: {topics.get(s, s)}" for s in subscriber.topics] + [
        f"Country: {countries.get(c, c)}" for c in subscriber.countries
    ]
