"""Factories for every model, so tests read like `StudyPageFactory(parent=area)`."""

import datetime

import factory
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.test.utils.wagtail_factories import ImageFactory as BaseImageFactory
from wagtail.test.utils.wagtail_factories import PageFactory

from briefs import models as briefs
from portal import models as portal
from research import models as research


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = research.Country
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Country {n}")
    code = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    region = "western-africa"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = research.Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = research.Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class ImageFactory(BaseImageFactory):
    class Meta:
        model = get_image_model()

    collection = factory.LazyFunction(Collection.get_first_root_node)
    file = factory.django.ImageField(width=1200, height=800, color="teal")
    title = factory.Sequence(lambda n: f"Image {n}")
    alt_text = "A community health worker with a child"
    caption = "A caption"
    credit = "Photoshare"


class HomePageFactory(PageFactory):
    class Meta:
        model = portal.HomePage

    title = "Home"


class StandardPageFactory(PageFactory):
    class Meta:
        model = portal.StandardPage

    title = factory.Sequence(lambda n: f"Standard page {n}")
    intro = "About the programme."


class ResearchAreaIndexPageFactory(PageFactory):
    class Meta:
        model = research.ResearchAreaIndexPage

    title = "Research Areas"


class ResearchAreaPageFactory(PageFactory):
    class Meta:
        model = research.ResearchAreaPage

    title = factory.Sequence(lambda n: f"Research area {n}")
    intro = "<p>What this area covers.</p>"


class StudyPageFactory(PageFactory):
    """A study; pass `countries=[...]` and `implementers=[...]` to fill its ordered lists."""

    class Meta:
        model = research.StudyPage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Study {n}")
    aim = "The aim of this study was to improve monitoring."
    start_month = datetime.date(2011, 3, 1)
    end_month = datetime.date(2014, 9, 1)

    countries = factory.PostGeneration(
        lambda *a, **k: fill_ordered(*a, relation="locations", field="country", **k)
    )
    implementers = factory.PostGeneration(
        lambda *a, **k: fill_ordered(*a, relation="implementers", field="organization", **k)
    )
    objectives = factory.PostGeneration(
        lambda *a, **k: fill_ordered(*a, relation="objectives", field="text", **k)
    )


def fill_ordered(page, create, extracted, relation, field, **kwargs):
    """Fill an ordered child list (locations, implementers, objectives) from a plain list."""
    if not extracted:
        return
    model = page._meta.get_field(relation).related_model
    setattr(
        page,
        relation,
        [model(**{field: value}, sort_order=index) for index, value in enumerate(extracted)],
    )
    if create:
        page.save()


class OutputFactoryMixin:
    @factory.post_generation
    def studies(self, create, extracted, **kwargs):
        if extracted:
            self.studies.set(extracted)
            if create:
                self.save()


class PublicationIndexPageFactory(PageFactory):
    class Meta:
        model = research.PublicationIndexPage

    title = "Publications"


class FindingsPageFactory(OutputFactoryMixin, PageFactory):
    class Meta:
        model = research.FindingsPage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Findings {n}")
    summary = "What the study found."


class CollaborativeEffortsPageFactory(PageFactory):
    class Meta:
        model = research.CollaborativeEffortsPage

    title = "Collaborative Efforts"


class PolicyBriefIndexPageFactory(PageFactory):
    class Meta:
        model = briefs.PolicyBriefIndexPage

    title = "Briefs for Policymakers"


class PolicyBriefPageFactory(OutputFactoryMixin, PageFactory):
    class Meta:
        model = briefs.PolicyBriefPage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Brief {n}")
    summary = "<p>What policymakers should know.</p>"


class JournalSupplementPageFactory(OutputFactoryMixin, PageFactory):
    class Meta:
        model = briefs.JournalSupplementPage
        skip_postgeneration_save = True

    title = "Health Policy and Planning Supplement"
    journal = "Health Policy and Planning"
    intro = "<p>The supplement's articles.</p>"


class SupplementArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = briefs.SupplementArticle

    title = factory.Sequence(lambda n: f"Article {n}")
    authors = "Banda A, Diallo M"
    year = 2014
    doi = factory.Sequence(lambda n: f"10.1093/heapol/test{n}")


class NewsIndexPageFactory(PageFactory):
    class Meta:
        model = briefs.NewsIndexPage

    title = "News"


class NewsPageFactory(OutputFactoryMixin, PageFactory):
    class Meta:
        model = briefs.NewsPage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Update {n}")
    summary = "An update from the team."
