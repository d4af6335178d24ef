from .mixins import OutputMixin, ResultType, TaxonomyMixin
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
from .taxonomy import Country, Organization, Topic, country_name, in_default_locale

__all__ = [
    "CollaborativeEffortsPage",
    "Country",
    "FindingsPage",
    "Organization",
    "OutputMixin",
    "Partner",
    "ResultType",
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
    "country_name",
    "in_default_locale",
]
