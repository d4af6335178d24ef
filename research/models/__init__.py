from .mixins import OutputMixin, TaxonomyMixin
from .pages import (
    CollaborativeEffortsPage,
    FindingsPage,
    Partner,
    PublicationIndexPage,
    ResearchAreaIndexPage,
    ResearchAreaLink,
    ResearchAreaPage,
    StudyImplementer,
    StudyLocation,
    StudyObjective,
    StudyPage,
)
from .taxonomy import Country, Organization, Topic

__all__ = [
    "CollaborativeEffortsPage",
    "Country",
    "FindingsPage",
    "Organization",
    "OutputMixin",
    "Partner",
    "PublicationIndexPage",
    "ResearchAreaIndexPage",
    "ResearchAreaLink",
    "ResearchAreaPage",
    "StudyImplementer",
    "StudyLocation",
    "StudyObjective",
    "StudyPage",
    "TaxonomyMixin",
    "Topic",
]
