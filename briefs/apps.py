from django.apps import AppConfig


class BriefsConfig(AppConfig):
    """Policy briefs, the journal supplement and news updates."""

    name = "briefs"
    verbose_name = "Briefs and news"
