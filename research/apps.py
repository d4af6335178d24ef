from django.apps import AppConfig


class ResearchConfig(AppConfig):
    """Taxonomy, research areas, studies and their findings."""

    name = "research"
    verbose_name = "Research"
