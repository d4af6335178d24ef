"""Production mode: `check --deploy`, headers from a real gunicorn, admin throttling, uploads."""

import io
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from bench.servers import production_env, production_server

REPO = Path(__file__).resolve().parent.parent

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "*")


def test_check_deploy_has_no_warnings(tmp_path):
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", SECRET_KEY=os.urandom(32).hex())
    # On by default; the local servers below turn it off for plain HTTP
    del env["SECURE_SSL_REDIRECT"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def fetch(url, **headers):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The demo site under gunicorn with production settings (SQLite here; the load bench uses
    PostgreSQL)."""
    scratch = tmp_path_factory.mktemp("production")
    with production_server(
        f"sqlite:///{scratch / 'db.sqlite3'}", workers=1, log=scratch / "gunicorn.log"
    ) as served:
        yield served[0]


def test_public_pages_carry_the_security_headers(production):
    fetch(production + "/")
    status, headers, body = fetch(production + "/")
    assert status == 200 and headers["X-Cache"] == "hit", "a hit carries them too"
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert (
        "camera=()" in headers["Permissions-Policy"]
        and "geolocation=()" in headers["Permissions-Policy"]
    )
    csp = dict(
        part.strip().split(" ", 1) if " " in part.strip() else (part.strip(), "")
        for part in headers["Content-Security-Policy"].split(";")
    )
    assert (
        csp["default-src"] == "'self'"
        and csp["script-src"] == "'self'"
        and csp["style-src"] == "'self'"
    )
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert not any(word in headers["Content-Security-Policy"] for word in UNSAFE)
    assert b"<script>" not in body and b" style=" not in body, (
        "nothing inline that the policy would block"
    )


def test_cookies_are_secure_and_http_only(production):
    status, headers, _ = fetch(production + "/admin/login/")
    assert status == 200
    [csrf] = [cookie for cookie in headers.get_all("Set-Cookie") if cookie.startswith("csrftoken=")]
    assert "Secure" in csrf and "HttpOnly" in csrf and "SameSite=Lax" in csrf
    assert "no-store" in headers["Cache-Control"], "admin pages are never cached"
    assert "Content-Security-Policy" not in headers, (
        "the admin keeps its own rules (see portal/security.py)"
    )


def test_static_files_are_hashed_compressed_and_cached_for_a_year(production):
    _, _, body = fetch(production + "/")
    [stylesheet] = re.findall(rb'href="(/static/portal/css/site\.[0-9a-f]{12}\.css)"', body)
    status, headers, css = fetch(production + stylesheet.decode(), **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["ETag"] and headers["Last-Modified"]
    assert fetch(production + stylesheet.decode(), **{"If-None-Match": headers["ETag"]})[0] == 304


def first_rendition(base):
    """The first WebP rendition shown on any page of the sitemap."""
    for path in re.findall(rb"<loc>https?://[^/<]+(/[^<]*)</loc>", fetch(base + "/sitemap.xml")[2]):
        urls = re.findall(rb'(/media/images/[^" ,]+\.webp)', fetch(base + path.decode())[2])
        if urls:
            return urls
    return []


def test_renditions_are_served_with_validators_and_a_long_lifetime(production):
    urls = first_rendition(production)
    assert urls, "the demo content shows images"
    status, headers, image = fetch(production + urls[0].decode())
    assert status == 200 and headers["Content-Type"] == "image/webp" and image[:4] == b"RIFF"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert fetch(production + urls[0].decode(), **{"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(production + "/media/original_images/x.jpg")[0] == 404, (
        "only renditions are served"
    )
    assert fetch(production + "/media/images/%2e%2e/%2e%2e/portal/settings/base.py")[0] in (
        400,
        404,
    )


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "editor", "editor@example.org", "right-password-123", is_staff=True
    )


@pytest.mark.django_db
def test_admin_login_is_throttled_after_repeated_failures(settings, staff):
    settings.AXES_ENABLED = True
    client = Client(REMOTE_ADDR="203.0.113.9")
    login = reverse("wagtailadmin_login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "editor", "password": "guess"})
        assert response.status_code == 200 and b"password didn&#x27;t match" in response.content
    assert client.post(login, {"username": "editor", "password": "guess"}).status_code == 429
    locked = client.post(login, {"username": "editor", "password": "right-password-123"})
    assert locked.status_code == 429 and b"too many" in locked.content.lower()
    other = Client(REMOTE_ADDR="198.51.100.7").post(
        login, {"username": "editor", "password": "right-password-123"}
    )
    assert other.status_code == 302, "a lock on one address does not lock the editor out everywhere"


@pytest.mark.django_db
def test_admin_can_be_limited_to_configured_networks(settings, staff):
    settings.ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]
    outside = Client(REMOTE_ADDR="203.0.113.9").get("/admin/login/")
    assert outside.status_code == 403 and b"ADMIN_ALLOWED_NETWORKS" in outside.content
    assert Client(REMOTE_ADDR="10.2.3.4").get("/admin/login/").status_code == 200
    assert Client(REMOTE_ADDR="2001:db8::5").get("/admin/login/").status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.9").get("/robots.txt").status_code == 200, (
        "the public site is open"
    )


@pytest.mark.django_db
def test_client_addresses_come_from_trusted_proxies_only(settings, staff):
    settings.ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    via_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.1.1.1")
    assert via_proxy.get("/admin/login/").status_code == 200, (
        "the right-most hop that is not a proxy"
    )
    spoofed = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.9")
    assert spoofed.get("/admin/login/").status_code == 403, (
        "a typed-in left-most hop is not believed"
    )
    direct = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert direct.get("/admin/login/").status_code == 403, (
        "only trusted proxies may name the client"
    )


def png(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


def upload_image(admin_client, name, content, content_type="image/png"):
    data = {
        "title": "Upload",
        "alt_text": "A teal square",
        "collection": Collection.get_first_root_node().pk,
    }
    data["file"] = SimpleUploadedFile(name, content, content_type=content_type)
    return admin_client.post(reverse("wagtailimages:add"), data)


@pytest.mark.django_db
def test_uploaded_images_get_random_names(admin_client):
    response = upload_image(admin_client, "../../Ministry draft <script>.PNG", png())
    assert response.status_code == 302, response.content[:500]
    image = get_image_model().objects.get(title="Upload")
    assert re.fullmatch(r"original_images/[0-9a-f]{32}\.png", image.file.name)
    assert image.get_rendition("width-20|format-webp").file.name.startswith(
        "images/" + Path(image.file.name).stem
    )


@pytest.mark.django_db
def test_svg_oversized_and_mislabelled_images_are_refused(admin_client, settings):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    assert "svg" not in settings.WAGTAILIMAGES_EXTENSIONS
    refused = upload_image(admin_client, "logo.svg", svg, "image/svg+xml")
    assert refused.status_code == 200 and refused.context["form"].errors["file"]
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    too_big = upload_image(admin_client, "big.png", png((100, 100)))
    assert too_big.status_code == 200 and "pixels" in str(too_big.context["form"].errors["file"])
    assert not get_image_model().objects.filter(title="Upload").exists()


@pytest.mark.django_db
def test_document_names_are_cleaned_and_risky_types_refused(admin_client):
    def upload(name):
        data = {"title": name, "collection": Collection.get_first_root_node().pk}
        data["file"] = SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")
        return admin_client.post(reverse("wagtaildocs:add"), data)

    assert upload("../../etc/passwd <b>brief</b>.pdf").status_code == 302
    stored = get_document_model().objects.get().file.name
    assert (
        stored.startswith("documents/")
        and ".." not in stored
        and "<" not in stored
        and " " not in stored
    )
    for name in ("page.html", "logo.svg", "run.exe"):
        response = upload(name)
        assert response.status_code == 200 and response.context["form"].errors["file"], name
    assert get_document_model().objects.count() == 1
