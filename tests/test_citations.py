"""Citations: Highwire Press tags, BibTeX and RIS for the demo brief and for supplement articles."""

import io
import re

import pytest
from django.core.management import call_command

from briefs.models import JournalSupplementPage, PolicyBriefPage

from .factories import SupplementArticleFactory
from .helpers import build_site

pytestmark = pytest.mark.django_db


def meta(html):
    return re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', html)


def test_the_demo_brief(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # The English demo (test_demo_translations.py covers French and Portuguese).
        call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
    brief = PolicyBriefPage.objects.live().get()
    html = client.get(brief.url).content.decode()
    tags = dict(meta(html))
    assert tags["citation_title"] == brief.title
    assert (
        tags["citation_publisher"]
        == "TRAction Project"
        == tags["citation_technical_report_institution"]
    )
    assert tags["citation_abstract_html_url"] == brief.full_url, "the canonical URL, from the Site"
    assert "citation_author" not in tags and "citation_doi" not in tags, (
        "the seed names no authors or DOI"
    )
    assert "Cite this" in html and f"TRAction Project (n.d.). {brief.title}." in html

    bib = client.get(brief.url + "cite/bibtex/")
    assert (
        bib["Content-Type"].startswith("application/x-bibtex")
        and "attachment" in bib["Content-Disposition"]
    )
    text = bib.content.decode()
    assert (
        text.startswith(f"@techreport{{brief{brief.pk},")
        and "institution = {TRAction Project}" in text
    )
    assert f"url = {{{brief.full_url}}}" in text and text.rstrip().endswith("}")

    ris = client.get(brief.url + "cite/ris/").content.decode()
    lines = ris.split("\r\n")
    assert (
        lines[0] == "TY  - RPRT"
        and f"TI  - {brief.title}" in lines
        and "PB  - TRAction Project" in lines
    )
    assert lines[-2] == "ER  - "


def test_a_brief_with_authors_doi_date_and_pdf(client, home):
    site = build_site()
    brief = site.brief
    brief.authors, brief.doi, brief.date = (
        "Banda A; Diallo M",
        "10.1234/brief.1",
        __import__("datetime").date(2015, 3, 2),
    )
    brief.save()
    tags = meta(client.get(brief.url).content.decode())
    assert ("citation_author", "Banda A") in tags and ("citation_author", "Diallo M") in tags
    assert ("citation_publication_date", "2015/03/02") in tags and (
        "citation_doi",
        "10.1234/brief.1",
    ) in tags
    bib = client.get(brief.url + "cite/bibtex/").content.decode()
    assert (
        "author = {Banda A and Diallo M}" in bib
        and "doi = {10.1234/brief.1}" in bib
        and "year = {2015}" in bib
    )
    ris = client.get(brief.url + "cite/ris/").content.decode()
    assert (
        "AU  - Banda A\r\nAU  - Diallo M\r\n" in ris
        and "DA  - 2015/03/02" in ris
        and "DO  - 10.1234/brief.1" in ris
    )


def test_supplement_articles_have_their_own_citation_page(client, home):
    site = build_site()
    supplement = JournalSupplementPage.objects.get(pk=site.supplement.pk)
    fields = {
        "authors": "Smith J, Banda A",
        "year": 2014,
        "volume": "29",
        "issue": "suppl_2",
        "doi": "10.1093/heapol/czu001",
    }
    article = SupplementArticleFactory(
        page=supplement, title="Costs of {iCCM} & 100% coverage", **fields
    )
    listing = client.get(supplement.url).content.decode()
    assert f'href="{supplement.url}articles/{article.pk}/"' in listing
    html = client.get(f"{supplement.url}articles/{article.pk}/").content.decode()
    tags = dict(meta(html))
    assert tags["citation_journal_title"] == supplement.journal and tags["citation_volume"] == "29"
    assert (
        tags["citation_doi"] == "10.1093/heapol/czu001"
        and tags["citation_publication_date"] == "2014"
    )
    bib = client.get(f"{supplement.url}articles/{article.pk}/cite/bibtex/").content.decode()
    assert (
        bib.startswith(f"@article{{article{article.pk},")
        and r"title = {{Costs of \{iCCM\} \& 100\% coverage}}" in bib
    )
    assert "author = {Smith J and Banda A}" in bib and "number = {suppl_2}" in bib
    ris = client.get(f"{supplement.url}articles/{article.pk}/cite/ris/").content.decode()
    assert ris.startswith("TY  - JOUR\r\n") and "JO  - " in ris and "VL  - 29" in ris
    assert client.get(f"{supplement.url}articles/999999/").status_code == 404
    assert client.get(f"{supplement.url}articles/{article.pk}/cite/doc/").status_code == 404


def test_a_bad_brief_doi_is_a_form_error(home):
    from django.core.exceptions import ValidationError

    site = build_site()
    site.brief.doi = "not a doi"
    with pytest.raises(ValidationError, match="DOI"):
        site.brief.full_clean()
