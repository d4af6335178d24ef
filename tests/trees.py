"""A complete small site built with factories: one page of every type."""

import datetime
from types import SimpleNamespace

from wagtail.models import Page, Site

from .factories import (
    CollaborativeEffortsPageFactory,
    CountryFactory,
    FindingsPageFactory,
    HomePageFactory,
    ImageFactory,
    JournalSupplementPageFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
    OrganizationFactory,
    PolicyBriefIndexPageFactory,
    PolicyBriefPageFactory,
    PublicationIndexPageFactory,
    ResearchAreaIndexPageFactory,
    ResearchAreaPageFactory,
    StandardPageFactory,
    StudyPageFactory,
    SupplementArticleFactory,
    TopicFactory,
)


def fresh_home():
    """An empty site: a new HomePage serving the default site, nothing else below the root."""
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).delete()
    home = HomePageFactory(parent=root, slug="home")
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "Test portal"},
    )
    return home


def build_site():
    """Home > Research Areas > Area > Sub-area > Study, plus every listing and output."""
    root = Page.get_first_root_node()
    home = fresh_home()
    mali = CountryFactory(name="Mali", code="ML")
    malawi = CountryFactory(name="Malawi", code="MW")
    topic = TopicFactory(name="Costing and financing")
    msh = OrganizationFactory(name="Management Sciences for Health")
    image = ImageFactory(
        alt_text="A health worker", caption="Counting breaths", credit="Photoshare"
    )

    areas = ResearchAreaIndexPageFactory(parent=home)
    area = ResearchAreaPageFactory(parent=areas, title="Community Care Strategies")
    subarea = ResearchAreaPageFactory(parent=area, title="Integrated Community Case Management")
    study = StudyPageFactory(
        parent=subarea,
        title="Costing of iCCM",
        hero_image=image,
        countries=[malawi, mali],
        implementers=[msh],
        objectives=["Providing users an understanding of costs"],
    )
    study.topics.set([topic])
    study.save()
    partners = CollaborativeEffortsPageFactory(parent=subarea)
    publications = PublicationIndexPageFactory(parent=home)
    findings = FindingsPageFactory(
        parent=publications, studies=[study], date=datetime.date(2014, 1, 1)
    )
    supplement = JournalSupplementPageFactory(parent=publications, studies=[study])
    article = SupplementArticleFactory(page=supplement)
    briefs_index = PolicyBriefIndexPageFactory(parent=home)
    brief = PolicyBriefPageFactory(parent=briefs_index, studies=[study])
    news_index = NewsIndexPageFactory(parent=home)
    news = NewsPageFactory(parent=news_index)
    standard = StandardPageFactory(parent=home, title="About")
    return SimpleNamespace(**locals())
