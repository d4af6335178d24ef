"""Which page types may go where: the tree editors can build."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from briefs.models import (
    JournalSupplementPage,
    NewsIndexPage,
    NewsPage,
    PolicyBriefIndexPage,
    PolicyBriefPage,
)
from portal.models import HomePage, StandardPage
from research.models import (
    CollaborativeEffortsPage,
    FindingsPage,
    PublicationIndexPage,
    ResearchAreaIndexPage,
    ResearchAreaPage,
    StudyPage,
)


class PageTreeTests(WagtailPageTestCase):
    def test_home_sits_at_the_root_and_holds_the_sections(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        # HomePage names no subpage_types (that would point portal at the content
        # apps); each section names HomePage as its parent instead. Wagtail's base
        # Page stays in the set but is not creatable by editors.
        self.assertFalse(Page.is_creatable)
        self.assertAllowedSubpageTypes(
            HomePage,
            {
                Page,
                StandardPage,
                ResearchAreaIndexPage,
                PublicationIndexPage,
                PolicyBriefIndexPage,
                NewsIndexPage,
                CollaborativeEffortsPage,
            },
        )

    def test_research_areas_nest(self):
        self.assertAllowedSubpageTypes(ResearchAreaIndexPage, {ResearchAreaPage})
        self.assertAllowedParentPageTypes(
            ResearchAreaPage, {ResearchAreaIndexPage, ResearchAreaPage}
        )
        self.assertAllowedSubpageTypes(
            ResearchAreaPage, {ResearchAreaPage, StudyPage, FindingsPage, CollaborativeEffortsPage}
        )

    def test_studies_live_under_research_areas(self):
        self.assertAllowedParentPageTypes(StudyPage, {ResearchAreaPage})
        self.assertAllowedSubpageTypes(StudyPage, {FindingsPage})
        self.assertCanNotCreateAt(HomePage, StudyPage)

    def test_outputs_live_under_their_listings(self):
        self.assertAllowedParentPageTypes(
            FindingsPage, {PublicationIndexPage, ResearchAreaPage, StudyPage}
        )
        self.assertAllowedParentPageTypes(JournalSupplementPage, {PublicationIndexPage})
        self.assertAllowedParentPageTypes(PolicyBriefPage, {PolicyBriefIndexPage})
        self.assertAllowedSubpageTypes(PolicyBriefIndexPage, {PolicyBriefPage})
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})
        self.assertAllowedSubpageTypes(NewsIndexPage, {NewsPage})
        self.assertCanNotCreateAt(PublicationIndexPage, PolicyBriefPage)

    def test_leaf_pages_take_no_children(self):
        for leaf in (
            FindingsPage,
            PolicyBriefPage,
            JournalSupplementPage,
            NewsPage,
            CollaborativeEffortsPage,
        ):
            self.assertAllowedSubpageTypes(leaf, set())

    def test_singleton_sections(self):
        self.assertEqual(HomePage.max_count, 1)
        self.assertEqual(ResearchAreaIndexPage.max_count, 1)
