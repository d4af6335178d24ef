"""Search's own admin: the equivalent terms editors keep ("Search" menu)."""

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
