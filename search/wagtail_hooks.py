"""Search's own admin: the equivalent terms editors keep ("Search" menu). Promoted results
are Wagtail's own (Settings → Promoted search results)."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Synonym


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "list-ul"
    menu_label = "Synonyms"
    list_display = ["terms", "language"]
    list_filter = ["language"]
    search_fields = ["terms"]
    ordering = ["terms"]


class SearchViewSetGroup(SnippetViewSetGroup):
    menu_label = "Search"
    menu_icon = "search"
    menu_order = 310
    items = (SynonymViewSet,)


register_snippet(SearchViewSetGroup)


@hooks.register("construct_reports_menu")
def hide_wagtails_search_terms(request, menu_items):
    """Wagtail's "Search terms" report counts only searches made through its own search
    view, which this site does not use: it would always be empty."""
    menu_items[:] = [item for item in menu_items if item.name != "search-terms"]
