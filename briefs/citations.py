"""Citations for briefs and supplement articles: Highwire Press meta tags, BibTeX, RIS and a
formatted reference.

One Citation holds the facts; each format is a function of it, so the page,
the meta tags and the downloads can never disagree.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings


@dataclass
class Citation:
    kind: str  # "report" (a brief) or "article" (a supplement article)
    title: str
    url: str  # absolute
    authors: list = field(default_factory=list)
    year: int | None = None
    date: object = None  # datetime.date, when known to the day
    journal: str = ""
    volume: str = ""
    issue: str = ""
    doi: str = ""
    pdf_url: str = ""
    publisher: str = ""
    key: str = ""
    language: str = ""  # ISO 639-1, the page's locale

    @property
    def year_text(self):
        return str(self.year) if self.year else "n.d."


def split_authors(text):
    """ "Smith J, Banda A; Diallo M" → ["Smith J", "Banda A", "Diallo M"] (commas or semicolons)."""
    return [name.strip() for name in re.split(r"[;,]", text or "") if name.strip()]


def for_brief(page, request):
    return Citation(
        kind="report",
        title=page.title,
        url=page.get_full_url(request),
        authors=split_authors(page.authors),
        year=page.date.year if page.date else None,
        date=page.date,
        doi=page.doi,
        pdf_url=request.build_absolute_uri(page.document.url) if page.document else "",
        publisher=settings.WAGTAIL_SITE_NAME,
        key=f"brief{page.pk}",
        language=page.locale.language_code,
    )


def for_article(article, request):
    page = article.page
    return Citation(
        kind="article",
        title=article.title,
        url=page.get_full_url(request) + article.citation_path,
        authors=split_authors(article.authors),
        year=article.year,
        journal=article.journal or page.journal,
        volume=article.volume or page.volume,
        issue=article.issue or page.issue,
        doi=article.doi,
        key=f"article{article.pk}",
        language=article.locale.language_code,
    )


def meta_tags(c):
    """Highwire Press tags, as Google Scholar reads them: [(name, content)]."""
    tags = [("citation_title", c.title)]
    tags += [("citation_author", name) for name in c.authors]
    if c.date:
        tags.append(("citation_publication_date", c.date.strftime("%Y/%m/%d")))
    elif c.year:
        tags.append(("citation_publication_date", str(c.year)))
    if c.kind == "article":
        tags += [
            ("citation_journal_title", c.journal),
            ("citation_volume", c.volume),
            ("citation_issue", c.issue),
        ]
    else:
        tags += [
            ("citation_technical_report_institution", c.publisher),
            ("citation_publisher", c.publisher),
        ]
    if c.doi:
        tags.append(("citation_doi", c.doi))
    if c.pdf_url:
        tags.append(("citation_pdf_url", c.pdf_url))
    tags.append(("citation_abstract_html_url", c.url))
    tags.append(("citation_language", c.language))
    return [(name, value) for name, value in tags if value]


def _bibtex_escape(text):
    return re.sub(r"([{}&%$#_])", r"\\\1", str(text))


def bibtex(c):
    entry = "article" if c.kind == "article" else "techreport"
    fields = [("title", "{" + _bibtex_escape(c.title) + "}")]
    if c.authors:
        fields.append(("author", " and ".join(_bibtex_escape(name) for name in c.authors)))
    if c.kind == "article":
        fields += [
            ("journal", _bibtex_escape(c.journal)),
            ("volume", c.volume),
            ("number", c.issue),
        ]
    else:
        fields.append(("institution", _bibtex_escape(c.publisher)))
    fields += [("year", str(c.year) if c.year else ""), ("doi", c.doi), ("url", c.url)]
    fields.append(("language", c.language))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@{entry}{{{c.key},\n{body}\n}}\n"


def ris(c):
    lines = [("TY", "JOUR" if c.kind == "article" else "RPRT"), ("TI", c.title)]
    lines += [("AU", name) for name in c.authors]
    if c.year:
        lines.append(("PY", str(c.year)))
    if c.date:
        lines.append(("DA", c.date.strftime("%Y/%m/%d")))
    if c.kind == "article":
        lines += [("JO", c.journal), ("VL", c.volume), ("IS", c.issue)]
    else:
        lines.append(("PB", c.publisher))
    lines += [("DO", c.doi), ("UR", c.url), ("L1", c.pdf_url), ("LA", c.language), ("ER", "")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value or tag == "ER")


def formatted(c):
    """A plain reference: "Authors (Year). Title. Journal, Volume(Issue). https://doi.org/…" """
    who = ", ".join(c.authors) or c.publisher
    text = f"{who} ({c.year_text}). {c.title.rstrip('.')}."
    if c.kind == "article":
        where = (
            c.journal + (f", {c.volume}" if c.volume else "") + (f"({c.issue})" if c.issue else "")
        )
        text += f" {where}." if where else ""
    elif c.authors and c.publisher:
        text += f" {c.publisher}."
    return text + (f" https://doi.org/{c.doi}" if c.doi else f" {c.url}")
