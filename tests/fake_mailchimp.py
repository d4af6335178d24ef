"""A local HTTP server speaking the part of Mailchimp's Marketing API v3 the adapter calls.

It checks what Mailchimp checks (Basic auth with the API key, the list id, the
subscriber hash matching the address, the JSON shape) and keeps members, tags, static
segments and campaigns. Faults are injected for every request ("down": connection closed,
"500", "timeout": no answer, or a 400 with Mailchimp's error body), or once for the next
request matching a method and path (`fail_next`), before or after doing its work (a
timeout after the work is the case a retry must not repeat). Binds 127.0.0.1.
"""

import base64
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler

from .stand_in import StandIn

MEMBER_RE = re.compile(
    r"^/3\.0/lists/(?P<list>[^/]+)/members/(?P<hash>[0-9a-f]{32})(?P<tags>/tags)?$"
)
SEGMENTS_RE = re.compile(r"^/3\.0/lists/(?P<list>[^/?]+)/segments(\?.*)?$")
CAMPAIGNS_RE = re.compile(r"^/3\.0/campaigns(\?.*)?$")
CAMPAIGN_RE = re.compile(
    r"^/3\.0/campaigns/(?P<id>[^/?]+)(?P<rest>/content|/actions/schedule|/actions/send)?$"
)
STATUSES = {"subscribed", "unsubscribed", "cleaned", "pending", "transactional"}


class FakeMailchimp(StandIn):
    def __init__(self, api_key="testkey-us21", list_id="list123"):
        self.api_key, self.list_id = api_key, list_id
        self.members = {}  # hash -> member dict
        self.tags = {}  # hash -> set of active tags
        self.created = {}  # hash -> times a member was created (must stay 1)
        self.requests = []
        self.fault = None  # None, "down", "500", "timeout", "400"
        self.once = []  # [(method, path regex, fault, after the work?)], each used once
        self.segments = {}  # id -> {"name", "emails"}
        self.campaigns = {}  # id -> campaign dict, with "content" and "actions"
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_PUT(self):
                server.handle(self, "PUT")

            def do_POST(self):
                server.handle(self, "POST")

            def do_DELETE(self):
                server.handle(self, "DELETE")

            def do_GET(self):
                server.handle(self, "GET")

            def do_PATCH(self):
                server.handle(self, "PATCH")

        self.url = f"http://127.0.0.1:{self.serve(Handler)}/3.0"

    def reply(self, handler, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        handler.send_response(status)
        handler.send_header(
            "Content-Type", "application/problem+json" if status >= 400 else "application/json"
        )
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def error(self, handler, status, title, detail):
        self.reply(
            handler,
            status,
            {"type": "about:blank", "title": title, "status": status, "detail": detail},
        )

    def fail_next(self, method, path, fault, after=False):
        """Fail the next `method` request whose path matches `path` (a regex) with `fault`;
        `after`: do its work first, then fail (the change is made, the answer lost)."""
        self.once.append((method, re.compile(path), fault, after))

    def _one_shot(self, method, path):
        for entry in self.once:
            if entry[0] == method and entry[1].search(path):
                self.once.remove(entry)
                return entry[2], entry[3]
        return None, False

    def _fail(self, handler, fault):
        if fault == "down":
            handler.close_connection = True
            handler.connection.close()
        elif fault == "timeout":
            time.sleep(3)
            self.reply(handler, 504, None)
        else:
            self.error(handler, 500, "Internal Server Error", "Try again later.")

    def handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        self.requests.append((method, handler.path))
        once, after = self._one_shot(method, handler.path)
        fault = self.fault if self.fault in ("down", "timeout", "500") else None
        if fault or (once and not after):
            return self._fail(handler, fault or once)
        if once:  # after the work: do it, answer nothing useful
            self._handle(_Discard(handler), method, raw)
            return self._fail(handler, once)
        return self._handle(handler, method, raw)

    def _handle(self, handler, method, raw):
        auth = handler.headers.get("Authorization", "")
        if (
            not auth.startswith("Basic ")
            or base64.b64decode(auth[6:]).decode().split(":", 1)[1] != self.api_key
        ):
            return self.error(handler, 401, "API Key Invalid", "Your API key may be invalid.")
        path = handler.path
        if SEGMENTS_RE.match(path) or CAMPAIGNS_RE.match(path) or CAMPAIGN_RE.match(path):
            with self.lock:
                return self.campaign_api(handler, method, path, json.loads(raw or b"{}"))
        match = MEMBER_RE.match(handler.path)
        if not match or match["list"] != self.list_id:
            return self.error(
                handler, 404, "Resource Not Found", "The requested resource could not be found."
            )
        if self.fault == "400":
            return self.error(
                handler, 400, "Invalid Resource", "Please provide a valid email address."
            )
        body = json.loads(raw or b"{}")
        with self.lock:
            if method == "PUT" and not match["tags"]:
                return self.put_member(handler, match["hash"], body)
            if method == "POST" and match["tags"]:
                return self.post_tags(handler, match["hash"], body)
            if method == "DELETE" and not match["tags"]:
                if match["hash"] not in self.members:
                    return self.error(handler, 404, "Resource Not Found", "No such member.")
                self.members[match["hash"]]["status"] = "archived"
                return self.reply(handler, 204)
        return self.error(handler, 405, "Method Not Allowed", "")

    def put_member(self, handler, member_hash, body):
        email = body.get("email_address", "")
        if hashlib.md5(email.lower().encode()).hexdigest() != member_hash:
            return self.error(
                handler, 400, "Invalid Resource", "The subscriber hash does not match the address."
            )
        for key in ("status", "status_if_new"):
            if key in body and body[key] not in STATUSES:
                return self.error(handler, 400, "Invalid Resource", f"{key} is not valid.")
        if member_hash not in self.members:
            self.created[member_hash] = self.created.get(member_hash, 0) + 1
            self.members[member_hash] = {
                "email_address": email,
                "status": body.get("status_if_new"),
            }
        member = self.members[member_hash]
        member.update(
            {
                k: v
                for k, v in body.items()
                if k in ("status", "merge_fields", "email_address", "language")
            }
        )
        return self.reply(handler, 200, {"id": member_hash, **member})

    def post_tags(self, handler, member_hash, body):
        if member_hash not in self.members:
            return self.error(handler, 404, "Resource Not Found", "No such member.")
        active = self.tags.setdefault(member_hash, set())
        for tag in body.get("tags", []):
            if tag.get("status") == "active":
                active.add(tag["name"])
            else:
                active.discard(tag["name"])
        return self.reply(handler, 204)

    def member(self, email):
        return self.members.get(hashlib.md5(email.lower().encode()).hexdigest())

    # --- Static segments (tags) and campaigns ---------------------------------------------

    def campaign_api(self, handler, method, path, body):
        if match := SEGMENTS_RE.match(path):
            if match["list"] != self.list_id:
                return self.error(handler, 404, "Resource Not Found", "No such list.")
            if method == "GET":
                segments = [{"id": i, "name": s["name"], "member_count": len(s["emails"]),
                             "type": "static"} for i, s in self.segments.items()]  # fmt: skip
                return self.reply(handler, 200, {"segments": segments})
            if method == "POST":
                return self.post_segment(handler, body)
        if CAMPAIGNS_RE.match(path):
            if method == "GET":
                return self.reply(handler, 200, {"campaigns": list(self.campaigns.values())})
            if method == "POST":
                return self.post_campaign(handler, body)
        if match := CAMPAIGN_RE.match(path):
            campaign = self.campaigns.get(match["id"])
            if campaign is None:
                return self.error(handler, 404, "Resource Not Found", "No such campaign.")
            if match["rest"] is None and method == "GET":
                return self.reply(handler, 200, campaign)
            if match["rest"] == "/content" and method == "PUT":
                if not body.get("html"):
                    return self.error(handler, 400, "Invalid Resource", "html is required.")
                campaign["content"] = body
                return self.reply(handler, 200, {"html": body["html"]})
            if match["rest"] in ("/actions/schedule", "/actions/send") and method == "POST":
                return self.act(handler, campaign, match["rest"].rsplit("/", 1)[1], body)
        return self.error(handler, 405, "Method Not Allowed", "")

    def post_segment(self, handler, body):
        emails = body.get("static_segment")
        if not body.get("name") or not isinstance(emails, list):
            return self.error(handler, 400, "Invalid Resource", "name and static_segment.")
        known = {m["email_address"].lower() for m in self.members.values()}
        segment_id = len(self.segments) + 1
        self.segments[segment_id] = {
            "name": body["name"],
            "emails": {e.lower() for e in emails if e.lower() in known},
        }
        return self.reply(
            handler,
            200,
            {
                "id": segment_id,
                "name": body["name"],
                "member_count": len(self.segments[segment_id]["emails"]),
            },
        )

    def post_campaign(self, handler, body):
        recipients = body.get("recipients") or {}
        if body.get("type") != "regular" or recipients.get("list_id") != self.list_id:
            return self.error(handler, 400, "Invalid Resource", "type and recipients.list_id.")
        segment = (recipients.get("segment_opts") or {}).get("saved_segment_id")
        if segment is not None and segment not in self.segments:
            return self.error(handler, 400, "Invalid Resource", "No such segment.")
        campaign_id = f"c{len(self.campaigns) + 1}"
        self.campaigns[campaign_id] = {
            "id": campaign_id, "status": "save", "recipients": recipients,
            "settings": body.get("settings", {}), "tracking": body.get("tracking", {}),
            "actions": [],
        }  # fmt: skip
        return self.reply(handler, 200, self.campaigns[campaign_id])

    def act(self, handler, campaign, action, body):
        if "html" not in campaign.get("content", {}):
            return self.error(handler, 400, "Bad Request", "The campaign has no content.")
        if campaign["status"] != "save":
            return self.error(handler, 400, "Bad Request", f"Campaign is {campaign['status']}.")
        if action == "schedule":
            minute = (body.get("schedule_time") or "")[14:16]
            if minute not in ("00", "15", "30", "45"):
                return self.error(handler, 400, "Invalid Resource", "Quarter hours only.")
        campaign["actions"].append((action, body.get("schedule_time")))
        campaign["status"] = "schedule" if action == "schedule" else "sending"
        return self.reply(handler, 204)

    def recipients_of(self, campaign):
        segment = (campaign["recipients"].get("segment_opts") or {}).get("saved_segment_id")
        return self.segments[segment]["emails"] if segment else None


class _Discard:
    """A handler stand-in whose answer goes nowhere (the work is done, the reply is lost)."""

    def __init__(self, handler):
        self.headers, self.path = handler.headers, handler.path

    def send_response(self, *args):
        pass

    def send_header(self, *args):
        pass

    def end_headers(self):
        pass

    @property
    def wfile(self):
        return self

    def write(self, data):
        pass
