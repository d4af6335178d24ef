"""A small site whose every search answer is known, for the backend contract suite."""

import datetime
from types import SimpleNamespace

from wagtail.models import Page, PageViewRestriction

from search import indexing
from search.models import PendingIndexUpdate

from .factories import (
    CountryFactory,
    FindingsPageFactory,
    JournalSupplementPageFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
    PolicyBriefIndexPageFactory,
    PolicyBriefPageFactory,
    PublicationIndexPageFactory,
    ResearchAreaIndexPageFactory,
    ResearchAreaPageFactory,
    StudyPageFactory,
    SupplementArticleFactory,
    TopicFactory,
)
from .trees import fresh_home


def build_search_site():
    home = fresh_home()
    mali, malawi, rwanda = (
        CountryFactory(name=n, code=c)
        for n, c in [("Mali", "ML"), ("Malawi", "MW"), ("Rwanda", "RW")]
    )
    costing, policy, data = (
        TopicFactory(name=n) for n in ["Costing and financing", "Policy", "Data"]
    )

    areas = ResearchAreaIndexPageFactory(parent=home)
    area = ResearchAreaPageFactory(
        parent=areas, title="Community Case Management", intro="<p>Child health.</p>"
    )
    area.countries.set([mali]), area.save()
    s1 = StudyPageFactory(
        parent=area,
        title="Costing of iCCM",
        slug="costing-of-iccm",
        countries=[malawi, rwanda],
        aim="Develop and test a financing tool.",
        start_month=datetime.date(2011, 3, 1),
    )
    s2 = StudyPageFactory(
        parent=area,
        title="Improving Data for iCCM",
        slug="improving-data",
        countries=[mali, malawi],
        aim="Embedded implementation research on data quality.",
        start_month=datetime.date(2012, 1, 1),
    )
    s3 = StudyPageFactory(
        parent=area,
        title="Policy Analysis of iCCM",
        slug="policy-analysis",
        countries=[mali],
        aim="How policy is made and carried out.",
        start_month=datetime.date(2013, 1, 1),
    )
    for study, topic in [(s1, costing), (s2, data), (s3, policy)]:
        study.topics.set([topic]), study.save()

    publications = PublicationIndexPageFactory(parent=home)
    f1 = FindingsPageFactory(  # untagged: inherits Malawi and Rwanda from its study
        parent=publications,
        title="Development of a Costing and Financing Tool",
        studies=[s1],
        summary="A tool for planners.",
        date=datetime.date(2014, 5, 1),
    )
    f2 = FindingsPageFactory(
        parent=publications,
        title="Data quality lessons",
        studies=[s2],
        summary="Notes on costing data where 5 < 6 & <b>tags</b> are text.",
        date=datetime.date(2015, 2, 1),
    )
    f2.countries.set([mali]), f2.save()
    supplement = JournalSupplementPageFactory(
        parent=publications, studies=[s1, s2, s3], date=datetime.date(2014, 6, 1)
    )
    article = SupplementArticleFactory(
        page=supplement, title="Community health worker supervision", year=2014
    )
    article.studies.set([s2])
    article.save()

    briefs = PolicyBriefIndexPageFactory(parent=home)
    brief = PolicyBriefPageFactory(
        parent=briefs,
        title="Child mortality brief",
        studies=[s3],
        date=datetime.date(2016, 3, 1),
        summary="<p>Why policy matters.</p>",
        body=[
            ("paragraph", "<p>Costing appears only in this body, beside the quality of data.</p>")
        ],
    )
    brief.topics.set([policy]), brief.save()
    news_index = NewsIndexPageFactory(parent=home)
    news = NewsPageFactory(
        parent=news_index, title="Supplement published", date=datetime.date(2016, 5, 1)
    )

    draft = FindingsPageFactory(
        parent=publications, title="Costing draft", live=False, date=datetime.date(2016, 1, 1)
    )
    private = FindingsPageFactory(
        parent=publications, title="Costing private", date=datetime.date(2016, 1, 1)
    )
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    # As publishing would have set it (factories create pages live without publishing).
    Page.objects.filter(first_published_at__isnull=True).update(
        first_published_at=datetime.datetime(2017, 1, 1, tzinfo=datetime.UTC)
    )
    indexing.rebuild_store()
    PendingIndexUpdate.objects.all().delete()  # covered by the rebuild (factories' signals queued them)
    return SimpleNamespace(**locals())
