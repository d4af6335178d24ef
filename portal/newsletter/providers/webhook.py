"""A generic signed webhook, so any provider can be connected.

Each change is POSTed as JSON with two headers:
  X-Portal-Timestamp: seconds since the epoch
  X-Portal-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret>
and X-Portal-Delivery (the outbox message id, the same on every retry, for de-duplication).
2xx is delivered; 408, 429 and 5xx are retried; other 4xx fail with the receiver's reason.
"""

import hashlib
import hmac
import json
import time

from .base import BaseProvider, http_json


def sign(secret, timestamp, body):
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookProvider(BaseProvider):
    label = "webhook"
    enabled = True

    def __init__(self, URL, SECRET, TIMEOUT=5.0, **options):
        super().__init__(**options)
        self.url, self.secret, self.timeout = URL, SECRET, float(TIMEOUT)

    def event(self, message):
        subscriber = message.subscriber
        if subscriber is None or message.payload.get("action") == "delete":
            return {"event": "subscriber.deleted", "email": message.email}
        return {
            "event": "subscriber.updated",
            "email": subscriber.email,
            "status": subscriber.status,
            "name": subscriber.name,
            "organization": subscriber.organization,
            "country": subscriber.country,
            "topics": subscriber.topics,
            "countries": subscriber.countries,
            "language": subscriber.language,
            "consent_version": subscriber.consent_version,
            "consent_language": subscriber.consent_language,
            "confirmed_at": subscriber.confirmed_at.isoformat()
            if subscriber.confirmed_at
            else None,
            "unsubscribed_at": subscriber.unsubscribed_at.isoformat()
            if subscriber.unsubscribed_at
            else None,
        }

    def deliver(self, message):
        body = json.dumps(self.event(message), separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "X-Portal-Timestamp": timestamp,
            "X-Portal-Signature": sign(self.secret, timestamp, body),
            "X-Portal-Delivery": str(message.pk),
        }
        http_json("POST", self.url, body, headers=headers, timeout=self.timeout)
