"""Uploads in an S3-compatible bucket (MEDIA_S3_BUCKET), for more than one app server.

The bucket stays private and every URL stays the portal's own: renditions are served from
/media/images/ by portal.views.media_image (a year's lifetime, so the edge keeps them) and
documents by Wagtail's view after its privacy check (WAGTAILDOCS_SERVE_METHOD = serve_view).
So pages hold no signed URL that expires in a cached copy, the Content-Security-Policy
stays 'self', and a page cached at the edge names the same images on every server.
"""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class MediaStorage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL + filepath_to_uri(self._normalize_name(name).lstrip("/"))
