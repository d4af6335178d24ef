"""A local HTTP server speaking the part of Cloudflare's API v4 the edge backend calls.

`POST /client/v4/zones/<zone>/purge_cache` with a bearer token and one of `tags`, `files`,
`prefixes`, `hosts` or `purge_everything`, answered in Cloudflare's envelope
(`success`, `errors`, `messages`, `result`). It checks what Cloudflare checks: the token, the
zone, one purge field, at most 100 items. Faults are injected for every request ("500",
"429": rate limited, "down": connection closed). Binds 127.0.0.1."""

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler

from .stand_in import StandIn

PURGE_RE = re.compile(r"^/client/v4/zones/(?P<zone>[0-9a-f]+)/purge_cache$")
FIELDS = ("tags", "files", "prefixes", "hosts", "purge_everything")
LIMIT = 100


class FakeCloudflare(StandIn):
    def __init__(self, zone="0123456789abcdef0123456789abcdef", token="cf-test-token"):
        self.zone, self.token = zone, token
        self.purges = []  # (field, items) of every accepted purge
        self.fault = None
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                server.handle(self)

        self.api_url = f"http://127.0.0.1:{self.serve(Handler)}/client/v4"

    def purged(self, field="tags"):
        """Every item purged through `field`, over all requests."""
        return {item for kind, items in self.purges if kind == field for item in items}

    def reply(self, handler, status, errors=(), result=None):
        body = {
            "success": not errors,
            "errors": [{"code": code, "message": message} for code, message in errors],
            "messages": [],
            "result": result,
        }
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, handler):
        if self.fault == "down":
            handler.close_connection = True
            return
        if self.fault == "500":
            return self.reply(handler, 500, [(10000, "Internal error")])
        if self.fault == "429":
            return self.reply(handler, 429, [(10429, "Rate limited: too many purge requests")])
        match = PURGE_RE.match(handler.path)
        if not match or match["zone"] != self.zone:
            return self.reply(handler, 404, [(7003, "Could not route to the zone")])
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return self.reply(handler, 403, [(10000, "Authentication error")])
        length = int(handler.headers.get("Content-Length") or 0)
        try:
            body = json.loads(handler.rfile.read(length) or b"null")
        except ValueError:
            return self.reply(handler, 400, [(1012, "Request must be valid JSON")])
        given = [field for field in FIELDS if isinstance(body, dict) and field in body]
        if len(given) != 1:
            return self.reply(handler, 400, [(1015, "Exactly one purge type is required")])
        field = given[0]
        items = body[field] if field != "purge_everything" else []
        if field != "purge_everything" and (not isinstance(items, list) or len(items) > LIMIT):
            return self.reply(handler, 400, [(1024, f"At most {LIMIT} {field} per request")])
        with self.lock:
            self.purges.append((field, list(items)))
        return self.reply(handler, 200, result={"id": uuid.uuid4().hex})
