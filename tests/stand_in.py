"""What every stand-in for a hosted API shares: a threaded HTTP server on 127.0.0.1, started
and stopped by `with` (tests/fake_mailchimp.py, tests/fake_cloudflare.py)."""

import threading
from http.server import ThreadingHTTPServer


class StandIn:
    def serve(self, handler):
        """Bind `handler` (a BaseHTTPRequestHandler class) to a free port: returns the port."""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        return self.httpd.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
