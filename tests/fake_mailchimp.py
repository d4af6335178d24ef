"""A local HTTP server speaking the part of Mailchimp's Marketing API v3 the adapter calls.

It checks what Mailchimp checks (Basic auth with the API key, the list id, the
subscriber hash matching the address, the JSON shape) and keeps members and
tags. Faults are injected per request: "down" (connection closed), "500",
"timeout" (no answer), or a 400 with Mailchimp's error body. Binds 127.0.0.1.
"""

import base64
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MEMBER_RE = re.compile(
    r"^/3\.0/lists/(?P<list>[^/]+)/members/(?P<hash>[0-9a-f]{32})(?P<tags>/tags)?$"
)
STATUSES = {"subscribed", "unsubscribed", "cleaned", "pending", "transactional"}


class FakeMailchimp:
    def __init__(self, api_key="testkey-us21", list_id="list123"):
        self.api_key, self.list_id = api_key, list_id
        self.members = {}  # hash -> member dict
        self.tags = {}  # hash -> set of active tags
        self.created = {}  # hash -> times a member was created (must stay 1)
        self.requests = []
        self.fault = None  # None, "down", "500", "timeout", "400"
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

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/3.0"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

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

    def handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        self.requests.append((method, handler.path))
        if self.fault == "down":
            handler.close_connection = True
            handler.connection.close()
            return
        if self.fault == "timeout":
            time.sleep(3)
            return self.reply(handler, 504, None)
        if self.fault == "500":
            return self.error(handler, 500, "Internal Server Error", "Try again later.")
        auth = handler.headers.get("Authorization", "")
        if (
            not auth.startswith("Basic ")
            or base64.b64decode(auth[6:]).decode().split(":", 1)[1] != self.api_key
        ):
            return self.error(handler, 401, "API Key Invalid", "Your API key may be invalid.")
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
