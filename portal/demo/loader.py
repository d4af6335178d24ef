"""Build the demo site from traction_iccm.json, idempotently.

The data names every model it fills by label ("models" for the taxonomy, "type" for each
page) and the loader looks them up with `apps.get_model`, so the site core imports no
content app: what the demo holds is data, like a fixture. Pages are matched by their path
below home; a page is published again only when something in the data differs, so a second
run writes nothing.

The default Site's host name and port come from the one base URL,
settings.WAGTAILADMIN_BASE_URL (`make run` sets it to the address it serves),
so the sitemap, canonical and OpenGraph links and the citations all name the
address the site answers at.
"""

import colorsys
import datetime
import io
import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.html import strip_tags
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site, TranslatableMixin

from portal.bulk import wagtail_indexing_coalesced
from portal.newsletter.models import NewsletterIssue

from . import pdf

DATA_FILE = Path(__file__).with_name("traction_iccm.json")

# Relations to pages (resolved after every page exists), and child lists.
PAGE_LISTS = {
    "summary_links": "link_page",
    "sharing_links": "link_page",
    "featured_pages": "featured_page",
}
TEXT_LISTS = ("objectives", "key_messages", "recommendations")
# Translatable child items get keys derived from where they sit in the demo, so the contexts
# wagtail-localize gives their strings ("objectives.<translation_key>.text") are the same in
# every database and the PO files in translations/ match them.
CHILD_KEYS = uuid.UUID("3a9e4a52-5d0c-4c1e-9b1e-7f0d2c6a8e11")


class BaseURLError(ValueError):
    """A base URL that a Wagtail Site cannot hold."""


def site_address(base_url):
    """(hostname, port) of a Wagtail Site answering at `base_url` ("http://127.0.0.1:8000").

    A Site's root URL is http://host:port, or https://host when the port is 443 (http://host
    when 80), so only such URLs, without a path, can be expressed; anything else is refused
    with the reason.
    """
    problem = f"the base URL must look like http://127.0.0.1:8000 (got {base_url!r})"
    parts = urlsplit(str(base_url).strip())
    try:
        port = parts.port
    except ValueError:
        raise BaseURLError(f"{problem}: the port is not a number from 1 to 65535") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BaseURLError(f"{problem}: it needs http:// or https:// and a host name")
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        raise BaseURLError(f"{problem}: only a scheme, a host and a port, no path")
    if ":" in parts.hostname:
        raise BaseURLError(f"{problem}: a Wagtail Site cannot hold an IPv6 address")
    if port == 0:
        raise BaseURLError(f"{problem}: port 0 is not a port a site answers at")
    port = port or (443 if parts.scheme == "https" else 80)
    if (parts.scheme == "https") != (port == 443):
        raise BaseURLError(
            f"{problem}: a Wagtail Site serves https on port 443 only, and http on any other"
        )
    return parts.hostname.lower(), port


class DemoLoader:
    def __init__(self, data=None, stdout=None, base_url=None, translations=True):
        self.data = data or json.loads(DATA_FILE.read_text())
        self.translations = translations
        self.stdout = stdout
        self.hostname, self.port = site_address(base_url or settings.WAGTAILADMIN_BASE_URL)
        self.log = stdout.write if stdout else (lambda message: None)
        self.created = self.updated = 0

    @transaction.atomic
    def run(self):
        with wagtail_indexing_coalesced():
            return self._run()

    def _run(self):
        models = self.data["models"]
        self.countries = self._upsert(models["countries"], "code", self.data["countries"])
        self.topics = self._upsert(models["topics"], "slug", self.data["topics"])
        self.organizations = self._upsert(
            models["organizations"], "name", self.data["organizations"]
        )
        self._upsert(models["synonyms"], "terms", self.data.get("synonyms", []))
        self.images = {spec["key"]: self._image(spec) for spec in self.data["images"]}
        home = self._home()
        self.home_path = home.url_path
        specs = list(self._walk(self.data["home"]))
        for spec, parent_path in specs[1:]:
            self._ensure_page(spec, parent_path)
        for spec, parent_path in specs:
            self._apply(spec, parent_path)
        self._site_settings(home)
        self._updates()
        self.log(f"Demo content: {self.created} pages created, {self.updated} updated.")
        if self.translations:
            from .translations import DemoTranslations

            DemoTranslations(self, stdout=self.stdout).run()
        return home

    def _updates(self):
        """The demo's draft email updates (never sent), made once: staff may edit them."""
        for spec in self.data.get("updates", []):
            if NewsletterIssue.objects.filter(subject=spec["subject"]).exists():
                continue
            pages = [self._page_at(self.home_path + path.lstrip("/")) for path in spec["pages"]]
            body = [("pages", {"heading": "", "pages": [page for page in pages if page]})]
            fields = {k: spec[k] for k in ("subject", "language", "intro", "audience")}
            update = NewsletterIssue(**fields, body=body, live=False)
            update.save()
            update.save_revision()

    def pages(self):
        """(spec, page) for every demo page, parents before their children."""
        for spec, parent_path in self._walk(self.data["home"]):
            yield spec, self._page_at(self._path(spec, parent_path))

    # --- taxonomy and images --------------------------------------------------

    def _upsert(self, label, key, rows):
        model = apps.get_model(label)
        manager = model.objects
        if issubclass(model, TranslatableMixin):  # the demo writes the English; PO files the rest
            manager = manager.filter(locale=Locale.get_default())
        objects = {}
        for row in rows:
            obj, created = manager.get_or_create(**{key: row[key]}, defaults=row)
            if not created and any(getattr(obj, name) != value for name, value in row.items()):
                for name, value in row.items():
                    setattr(obj, name, value)
                obj.save()
            objects[row[key]] = obj
        return objects

    def _image(self, spec):
        """A stand-in for a seed photo, drawn locally (nothing is downloaded)."""
        image_model = get_image_model()
        fields = {name: spec[name] for name in ("alt_text", "caption", "credit")}
        image = image_model.objects.filter(title=spec["title"]).first()
        if image is None:
            image = image_model(title=spec["title"], **fields)
            image.file = ImageFile(placeholder_jpeg(spec["colour"]), name=f"demo-{spec['key']}.jpg")
            image.save()
        elif any(getattr(image, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(image, name, value)
            image.save()
        return image

    # --- pages ------------------------------------------------------------------

    def _home(self):
        """Replace Wagtail's welcome page with the HomePage once, then reuse it."""
        home_model = apps.get_model(self.data["home"]["type"])
        site = Site.objects.filter(is_default_site=True).first()
        home = home_model.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            welcome = root.get_children().filter(content_type__model="page", slug="home").first()
            if welcome is not None and not welcome.get_children().exists():
                welcome.delete()
            home = root.add_child(
                instance=home_model(title=self.data["home"]["title"], slug="home", live=False)
            )
            self.created += 1
        if site is None:
            site = Site(is_default_site=True)
        wanted = {
            "root_page_id": home.pk,
            "site_name": self.data["site"]["name"],
            "hostname": self.hostname,
            "port": self.port,
        }
        other = Site.objects.exclude(pk=site.pk).filter(hostname=self.hostname, port=self.port)
        if other.exists():
            raise BaseURLError(
                f"another site ({other.first()}) already answers at {self.hostname}:{self.port}"
            )
        if site.pk is None or any(getattr(site, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(site, name, value)
            site.save()
        return home

    def _walk(self, spec, parent_path=None):
        yield spec, parent_path
        own_path = self._path(spec, parent_path)
        for child in spec.get("children", []):
            yield from self._walk(child, own_path)

    def _page_at(self, url_path):
        return Page.objects.filter(url_path=url_path).specific().first()

    def _path(self, spec, parent_path):
        return self.home_path if parent_path is None else f"{parent_path}{spec['slug']}/"

    def _ensure_page(self, spec, parent_path):
        """Create a missing page as a draft with its own fields; publishing comes later."""
        if self._page_at(self._path(spec, parent_path)) is not None:
            return
        parent = self._page_at(parent_path)
        page = apps.get_model(spec["type"])(title=spec["title"], slug=spec["slug"], live=False)
        self._set_own_fields(page, spec, self._path(spec, parent_path))
        parent.add_child(instance=page)
        self.created += 1

    def _apply(self, spec, parent_path):
        path = self._path(spec, parent_path)
        page = self._page_at(path)
        changed = self._set_own_fields(page, spec, path)
        changed |= self._set_page_refs(page, spec, path)
        if changed or not page.live:
            was_live = page.live
            page.save_revision().publish()
            self.updated += int(was_live)

    def _set_own_fields(self, page, spec, path):
        changed = False
        values = {
            "title": spec["title"],
            "show_in_menus": spec.get("show_in_menus", False),
            **spec.get("fields", {}),
        }
        for name, value in values.items():
            field = page._meta.get_field(name)
            if field.get_internal_type() == "DateField" and value:
                value = datetime.date.fromisoformat(value)
            if getattr(page, name) != value:
                setattr(page, name, value)
                changed = True
        if "hero_image" in spec and page.hero_image_id != self.images[spec["hero_image"]].pk:
            page.hero_image = self.images[spec["hero_image"]]
            changed = True
        for name, lookup in (("countries", self.countries), ("topics", self.topics)):
            if name in spec:
                changed |= self._set_m2m(page, name, [lookup[key] for key in spec[name]])
        for name in TEXT_LISTS:
            if name in spec:
                changed |= self._set_children(
                    path, page, name, [{"text": text} for text in spec[name]]
                )
        if "implementers" in spec:
            rows = [{"organization": self.organizations[name]} for name in spec["implementers"]]
            changed |= self._set_children(path, page, "implementers", rows)
        if "locations" in spec:
            changed |= self._set_children(
                path, page, "locations", [{"country": self.countries[c]} for c in spec["locations"]]
            )
        if "partners" in spec:
            rows = [
                {"organization": self.organizations[p["organization"]], "role": p["role"]}
                for p in spec["partners"]
            ]
            changed |= self._set_children(path, page, "partners", rows)
        return changed

    def _set_page_refs(self, page, spec, path):
        changed = False
        home = self.home_path
        if "studies" in spec:
            changed |= self._set_m2m(
                page, "studies", [self._page_at(home + study) for study in spec["studies"]]
            )
        for name, field in PAGE_LISTS.items():
            if name in spec:
                rows = [{field: self._page_at(home + target)} for target in spec[name]]
                changed |= self._set_children(path, page, name, rows)
        if "document" in spec:
            document = self._document(self.data["documents"][spec["document"]])
            if page.document_id != document.pk:
                page.document = document
                changed = True
        if "partners_page" in spec:
            target = self._page_at(home + spec["partners_page"])
            if page.partners_page_id != target.pk:
                page.partners_page = target
                changed = True
        return changed

    def _document(self, spec):
        """A PDF made from a demo page's own text (the seed's), under a note saying so: the
        seed names the brief but not its text, so nothing in it is invented."""
        model = get_document_model()
        document = model.objects.filter(title=spec["title"]).first()
        if document is None:
            source = self._page_at(self.home_path + spec["text_from"])
            html = getattr(source, spec["field"])
            paragraphs = [
                strip_tags(p).strip() for p in html.split("</p>") if strip_tags(p).strip()
            ]
            pages = [[spec["title"], spec["note"], *paragraphs[:1]], paragraphs[1:]]
            data = pdf.build([page for page in pages if page], title=spec["title"])
            document = model(title=spec["title"])
            document.file = ContentFile(data, name=f"{spec['key']}.pdf")
            document.save()
        return document

    @staticmethod
    def _set_m2m(page, name, objects):
        if sorted(obj.pk for obj in getattr(page, name).all()) == sorted(obj.pk for obj in objects):
            return False
        getattr(page, name).set(objects)
        return True

    def _set_children(self, path, page, name, rows):
        """Replace an ordered child list only when it differs from `rows`. Translatable items
        get keys derived from the page's place in the demo and their position (CHILD_KEYS)."""
        model = page._meta.get_field(name).related_model
        if issubclass(model, TranslatableMixin):
            place = path[len(self.home_path) :]
            rows = [
                {**row, "translation_key": uuid.uuid5(CHILD_KEYS, f"{place}{name}/{index}")}
                for index, row in enumerate(rows)
            ]
        existing = list(getattr(page, name).all())
        wanted = [{key: comparable(value) for key, value in row.items()} for row in rows]
        if len(existing) == len(rows):
            current = [
                {key: comparable(getattr(item, key)) for key in row}
                for item, row in zip(existing, rows, strict=True)
            ]
            if current == wanted:
                return False
        setattr(page, name, [model(sort_order=index, **row) for index, row in enumerate(rows)])
        return True

    def _site_settings(self, home):
        settings_model = apps.get_model("portal.SiteSettings")
        site = Site.objects.get(root_page=home)
        site_settings = settings_model.for_site(site)
        values = self.data["site"].get("settings", {})
        if any(getattr(site_settings, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(site_settings, name, value)
            site_settings.save()


def comparable(value):
    """Model instances compare by primary key (a Page and its specific page are one row)."""
    return value.pk if hasattr(value, "_meta") else value


def placeholder_jpeg(rgb, size=(1200, 800)):
    """A soft two-tone gradient in the given colour: light, and clearly not a photo."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    h, lightness, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    for y in range(size[1]):
        r, g, b = colorsys.hls_to_rgb(h, min(0.9, lightness + 0.35 * y / size[1]), s)
        draw.line([(0, y), (size[0], y)], fill=(int(r * 255), int(g * 255), int(b * 255)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    buffer.seek(0)
    return buffer
