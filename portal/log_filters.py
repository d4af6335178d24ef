"""Logging filters (settings.LOGGING)."""

import logging
import threading
import time


class Throttle(logging.Filter):
    """One record per `seconds` for each message, its traceback shortened to one line.

    django-redis logs every Redis error it ignores with a traceback: during an outage that
    is several a request. One line every few seconds says the same.
    """

    def __init__(self, seconds=5.0):
        super().__init__()
        self.seconds = float(seconds)
        self._next = {}
        self._lock = threading.Lock()

    def filter(self, record):
        now, key = time.monotonic(), (record.name, record.msg)
        with self._lock:
            if now < self._next.get(key, 0.0):
                return False
            self._next[key] = now + self.seconds
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            cause = error.__cause__ or error
            record.msg = f"{record.getMessage()} ({type(cause).__name__}: {cause}); "
            record.msg += f"repeats are not logged for {self.seconds:.0f} s"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True
