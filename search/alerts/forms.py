"""Following a search: the address, how often, the consent, and the search itself."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from portal.newsletter import consent
from portal.newsletter.forms import OptInForm

from ..query import InvalidSearch, SearchParams
from .models import SearchAlert

MAX_ALERT_QUERY = 2000


class AlertForm(OptInForm):
    field_order = ["email", "frequency", "consent", "website", "query"]
    frequency = forms.ChoiceField(
        choices=SearchAlert.Frequency.choices,
        initial=SearchAlert.Frequency.WEEKLY,
        widget=forms.RadioSelect,
        label=_("How often"),
    )
    # The search, as the search page's query string; validated like the search itself.
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=MAX_ALERT_QUERY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].error_messages["required"] = _(
            "Tick the box to agree, or we cannot send you alerts."
        )

    def clean_query(self):
        """The search's canonical form, or an error naming each bad parameter."""
        raw = self.cleaned_data.get("query", "")
        try:
            params = SearchParams.for_request(QueryDict(raw))
        except InvalidSearch as invalid:
            named = "; ".join(f"{name}: {message}" for name, message in invalid.errors.items())
            raise forms.ValidationError(
                _("This search cannot be followed: %(errors)s"), params={"errors": named}
            ) from invalid
        return params.canonical_query()

    def signup(self):
        """What the confirmation link carries (as the newsletter's signup does)."""
        data = self.cleaned_data
        return {
            "e": data["email"],
            "q": data["query"],
            "f": data["frequency"],
            "l": self.page_language,
            "v": consent.CURRENT,
            "vl": self.page_language,
        }
