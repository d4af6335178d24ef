"""A purge an edge refused, kept until it is delivered (portal.edge.queue)."""

from django.db import models


class PendingPurge(models.Model):
    """One backend's purge that failed: a CDN outage or rate limit must not leave the pages a
    publish changed stale at the edge for a whole TTL (a day)."""

    backend = models.CharField(max_length=100)  # its name in settings.WAGTAILFRONTENDCACHE
    keys = models.JSONField(default=list)
    paths = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return f"{self.backend}: {len(self.keys)} keys, {len(self.paths)} paths"
