"""An editor can create every page type through the admin form."""

from django.urls import reverse
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, rich_text, streamfield

from briefs.models import (
    JournalSupplementPage,
    NewsIndexPage,
    NewsPage,
    PolicyBriefIndexPage,
    PolicyBriefPage,
)
from portal.models import StandardPage
from research.models import (
    CollaborativeEffortsPage,
    FindingsPage,
    PublicationIndexPage,
    ResearchAreaIndexPage,
    ResearchAreaPage,
    StudyPage,
)

from .helpers import build_site, page_form, supplement_form


class AdminCreateTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.site = build_site()

    def setUp(self):
        self.login()

    def test_create_standard_page(self):
        data = page_form(title="About TRAction", intro="Who we are.", body=streamfield([]))
        self.assertCanCreate(self.site.home, StandardPage, data)

    def test_create_section_indexes(self):
        # Research Areas exists already (max_count 1); the listings may repeat.
        for model in (PublicationIndexPage, PolicyBriefIndexPage, NewsIndexPage):
            with self.subTest(model=model.__name__):
                data = page_form(title=f"Another {model.__name__}", intro=rich_text(""))
                self.assertCanCreate(self.site.home, model, data)

    def test_create_research_area_index_on_a_new_home(self):
        ResearchAreaIndexPage.objects.all().delete()
        self.assertCanCreate(
            self.site.home,
            ResearchAreaIndexPage,
            page_form(title="Research Areas", intro=rich_text("")),
        )

    def test_create_nested_research_area(self):
        data = page_form(
            title="Malaria in pregnancy",
            intro=rich_text("<p>What this area covers.</p>"),
            body=streamfield([]),
            summary_links=inline_formset([{"link_page": self.site.findings.pk, "label": ""}]),
            sharing_intro=rich_text(""),
            sharing_links=inline_formset([]),
            partners_page="",
        )
        self.assertCanCreate(self.site.area, ResearchAreaPage, data)
        created = ResearchAreaPage.objects.get(slug="malaria-in-pregnancy")
        self.assertEqual(created.summary_links.get().link_page_id, self.site.findings.pk)

    def test_create_study(self):
        data = page_form(
            title="Improving Data for iCCM",
            hero_image=self.site.image.pk,
            hero_caption="",
            hero_credit="",
            aim="The aim of this study was to improve monitoring of iCCM programming.",
            objectives_intro=(
                "TRAction and its research partners addressed the following objectives:"
            ),
            objectives=inline_formset(
                [{"text": "Assess iCCM M&E systems"}, {"text": "Identify priority gaps"}]
            ),
            implementers=inline_formset([{"organization": self.site.msh.pk}], min=1),
            locations=inline_formset(
                [{"country": self.site.mali.pk}, {"country": self.site.malawi.pk}], min=1
            ),
            start_month="2011-04",
            end_month="2014-07",
            body=streamfield([]),
            topics=(self.site.topic.pk,),
        )
        self.assertCanCreate(self.site.subarea, StudyPage, data)
        study = StudyPage.objects.get(slug="improving-data-for-iccm")
        self.assertEqual(
            [o.text for o in study.objectives.all()],
            ["Assess iCCM M&E systems", "Identify priority gaps"],
        )
        self.assertEqual([c.code for c in study.country_list()], ["ML", "MW"])
        self.assertEqual(set(study.countries.values_list("code", flat=True)), {"ML", "MW"})
        self.assertEqual(study.timeline, "April 2011 to July 2014")

    def test_create_findings(self):
        data = page_form(
            title="Lessons Learned from the Three Studies",
            category="lessons-learned",
            date="",
            summary="Lessons from three studies.",
            body=streamfield([]),
            studies=(self.site.study.pk,),
            countries=(self.site.mali.pk,),
            topics=(),
        )
        self.assertCanCreate(self.site.publications, FindingsPage, data)
        self.assertEqual(
            list(
                FindingsPage.objects.get(
                    slug="lessons-learned-from-the-three-studies"
                ).studies.all()
            ),
            [self.site.study],
        )

    def test_create_policy_brief(self):
        data = page_form(
            title="Child Mortality: A Brief for Policymakers",
            audience="Policymakers",
            date="2014-05-01",
            summary=rich_text("<p>Summary.</p>"),
            key_messages=inline_formset([{"text": "A key message"}]),
            recommendations=inline_formset([{"text": "A recommendation"}]),
            document="",
            body=streamfield([]),
        )
        self.assertCanCreate(self.site.briefs_index, PolicyBriefPage, data)

    def test_create_journal_supplement_with_articles(self):
        data = supplement_form(
            title="Another Supplement",
            doi="https://doi.org/10.1093/heapol/czu001",
            open_access="on",
            studies=(self.site.study.pk,),
        )
        self.assertCanCreate(self.site.publications, JournalSupplementPage, data)
        saved = JournalSupplementPage.objects.get(slug="another-supplement").articles.get()
        self.assertEqual(saved.doi, "10.1093/heapol/czu001", "DOI links are stored as bare DOIs")
        self.assertEqual(list(saved.studies.all()), [self.site.study])

    def test_create_news(self):
        data = page_form(
            title="Supplement published",
            date="2014-06-01",
            summary="The supplement is out.",
            hero_image="",
            body=streamfield([]),
        )
        self.assertCanCreate(self.site.news_index, NewsPage, data)

    def test_create_collaborative_efforts(self):
        data = page_form(
            title="Partners",
            intro=rich_text("<p>Who we work with.</p>"),
            partners=inline_formset([{"organization": self.site.msh.pk, "role": "Implementer"}]),
            body=streamfield([]),
        )
        self.assertCanCreate(self.site.subarea, CollaborativeEffortsPage, data)


class AdminEditFormTests(WagtailPageTestCase):
    """The edit form of every page type opens for an editor."""

    @classmethod
    def setUpTestData(cls):
        cls.site = build_site()

    def test_every_page_type_opens_in_the_editor(self):
        self.login()
        for name in (
            "home",
            "areas",
            "area",
            "study",
            "partners",
            "publications",
            "findings",
            "supplement",
            "brief",
        ):
            page = getattr(self.site, name)
            with self.subTest(page=name):
                response = self.client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, page.title)

    def test_taxonomy_snippets_list_in_the_admin(self):
        self.login()
        for model in ("country", "topic", "organization"):
            with self.subTest(model=model):
                response = self.client.get(reverse(f"wagtailsnippets_research_{model}:list"))
                self.assertEqual(response.status_code, 200)
