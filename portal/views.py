"""Site-wide views that are not pages."""

import hashlib
import mimetypes
import posixpath
from pathlib import Path

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views import static
from django.views.decorators.cache import cache_control

from . import i18n


@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """Crawl the content, not the admin, the endless search variations or the newsletter's links."""
    public = ["/search/", "/newsletter/confirm/", "/newsletter/unsubscribe/"]
    prefixes = [""] + [f"/{code}" for code in i18n.codes()[1:]]  # English at the root
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        *(f"Disallow: {prefix}{path}" for path in public for prefix in prefixes),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def media_image(request, path):
    """An image rendition from the uploads' storage (MEDIA_ROOT/images/, or the bucket): a
    year's lifetime, since a changed image gets new file names.

    Only renditions are public this way; documents go through Wagtail's view, which checks privacy.
    """
    if isinstance(default_storage, FileSystemStorage):
        response = static.serve(request, path, document_root=Path(settings.MEDIA_ROOT) / "images")
        if response.status_code == 200:
            stat = (Path(settings.MEDIA_ROOT) / "images" / path).stat()
            response["ETag"] = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    else:
        response = _stored_image(path)
    if response.status_code == 200:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _stored_image(path):
    """A rendition read from a remote storage (portal/storage.py); its name never changes."""
    name = posixpath.normpath(f"images/{path}")
    if not name.startswith("images/") or "\\" in name:
        raise Http404("No such image")
    try:
        with default_storage.open(name) as handle:
            content = handle.read()
    except (FileNotFoundError, OSError, ClientError) as error:
        raise Http404("No such image") from error
    response = HttpResponse(content, content_type=mimetypes.guess_type(name)[0] or "image/jpeg")
    response["ETag"] = f'"{hashlib.blake2b(content, digest_size=12).hexdigest()}"'
    return response
