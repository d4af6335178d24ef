"""The one HTML sanitising policy for HTML that does not come from Wagtail's editor.

It allows what the portal's rich text features allow (paragraphs, h2/h3, bold,
italic, lists, links) and nothing else: no scripts, styles, event handlers,
embedded objects, or link schemes other than http, https and mailto. Every
import and any other path by which HTML enters the site goes through
`sanitise()`, which also reports what it dropped.
"""

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import bleach

ALLOWED_TAGS = frozenset({"p", "br", "h2", "h3", "b", "strong", "i", "em", "ol", "ul", "li", "a"})
ALLOWED_ATTRIBUTES = {"a": ["href"]}  # and href only when _allowed_url says so
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Elements whose content is code or foreign markup, removed with their content (not kept as text).
DROPPED_WITH_CONTENT = ("script", "style", "template", "noscript", "iframe", "object", "embed",
                        "svg", "math", "textarea", "title", "xmp", "noembed",
                        "noframes")  # fmt: skip
_NAMES = "|".join(DROPPED_WITH_CONTENT)
_CONTENT_RE = re.compile(rf"<({_NAMES})\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _allowed_attribute(tag, name, value):
    return name in ALLOWED_ATTRIBUTES.get(tag, ()) and (name != "href" or _allowed_url(value))


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


@dataclass
class Report:
    """What sanitising removed: tags, attributes (tag@attr) and link targets, with counts."""

    tags: Counter = field(default_factory=Counter)
    attributes: Counter = field(default_factory=Counter)
    links: Counter = field(default_factory=Counter)

    def __bool__(self):
        return bool(self.tags or self.attributes or self.links)

    def __str__(self):
        parts = [f"<{name}>×{n}" for name, n in sorted(self.tags.items())]
        parts += [f"{name}×{n}" for name, n in sorted(self.attributes.items())]
        parts += [f"{scheme} link×{n}" for scheme, n in sorted(self.links.items())]
        return ", ".join(parts) or "nothing"


class _Auditor(HTMLParser):
    def __init__(self, report):
        super().__init__(convert_charrefs=True)
        self.report = report

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.report.tags[tag] += 1
            return
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
                self.report.attributes[f"{tag}@{name}"] += 1
            elif name == "href" and not _allowed_url(value or ""):
                self.report.links[_scheme(value or "")] += 1

    handle_startendtag = handle_starttag


def _scheme(url):
    """The scheme a browser would see ("relative:" for none); anything odd before a colon counts
    as one."""
    # Removes (not refuses) what a browser skips inside a scheme: C0 controls and the space.
    # Refusing control characters is portal.validation.has_control_characters.
    cleaned = re.sub(r"[\x00-\x20]+", "", html.unescape(url)).lower()
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    if ":" not in head:
        return "relative:"
    return (urlsplit(cleaned).scheme or head.partition(":")[0] or "unknown") + ":"


def _allowed_url(url):
    scheme = _scheme(url)[:-1]
    return scheme in ALLOWED_PROTOCOLS or scheme == "relative"


def sanitise(dirty):
    """(safe HTML, Report of what was dropped)."""
    report = Report()
    _Auditor(report).feed(dirty or "")
    without_code = _CONTENT_RE.sub("", dirty or "")
    return _cleaner.clean(without_code), report
