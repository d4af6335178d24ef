"""The signup form: the same fields in the footer of every page and on /newsletter/."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.validation import has_control_characters

from . import consent
from .interests import get_interests


class SingleLine:
    """Rejects CR, LF and other control characters before Django strips the ends (header
    injection)."""

    def to_python(self, value):
        if has_control_characters(value):
            raise ValidationError(
                _("Use a single line without line breaks or control characters."), code="control"
            )
        return super().to_python(value)


class SingleLineCharField(SingleLine, forms.CharField):
    pass


class SingleLineEmailField(SingleLine, forms.EmailField):
    pass


class LanguageSelect(forms.Select):
    """Each language is named in itself, so each option says which language it is in (WCAG
    3.1.2, language of parts)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["lang"] = value
        return option


class OptInForm(forms.Form):
    """What every double opt-in form asks (the signup, a search alert): an address, consent to
    the current text in the page's language, and a honeypot."""

    email = SingleLineEmailField(max_length=254, label=_("Email address"))
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": _("Tick the box to agree, or we cannot send you updates.")},
    )
    # A honeypot: hidden from people by CSS and aria-hidden; bots fill every field.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The consent is agreed to in the language of the page that shows it.
        self.fields["consent"].label = consent.current_text(self.page_language)

    @property
    def page_language(self):
        """The active language (the page's, from its URL): what the form is shown in."""
        return consent.language_of(translation.get_language())

    @property
    def is_spam(self):
        return bool(self.data.get("website"))

    def clean_email(self):
        local, _at, domain = self.cleaned_data["email"].rpartition("@")
        return f"{local}@{domain.lower()}"


class SignupForm(OptInForm):
    field_order = ["email", "name", "organization", "country", "language", "topics",
                   "countries", "consent", "website", "source"]  # fmt: skip
    name = SingleLineCharField(max_length=200, required=False, label=_("Name (optional)"))
    organization = SingleLineCharField(
        max_length=200, required=False, label=_("Organization (optional)")
    )
    country = forms.ChoiceField(required=False, label=_("Country you work in (optional)"))
    # Not required: a post without it (an old page, a script) gets the page's language.
    language = forms.ChoiceField(
        required=False, widget=LanguageSelect, label=_("Language of the emails")
    )
    topics = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Topics to hear about (optional)"),
    )
    countries = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Countries to hear about (optional)"),
    )
    source = forms.CharField(required=False, widget=forms.HiddenInput, validators=[])

    def __init__(self, *args, prefix_id="", **kwargs):
        super().__init__(*args, **kwargs)
        interests = get_interests()
        countries = interests.countries()
        self.fields["country"].choices = [("", "—"), *countries]
        self.fields["countries"].choices = countries
        self.fields["topics"].choices = interests.topics()
        # The languages, each named in itself; the page's language is the default choice.
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["language"].initial = self.page_language
        self.fields[
            "source"
        ].validators.clear()  # CharField's NUL check: a bad hidden value is dropped instead
        if prefix_id:  # the footer and the page may both show a form: keep ids unique
            self.auto_id = f"{prefix_id}-%s"

    def clean_language(self):
        return self.cleaned_data.get("language") or self.page_language

    def clean_source(self):
        """A path on this site, or nothing: never trusted as a URL, and never an error the
        reader cannot fix."""
        source = self.cleaned_data.get("source", "")
        ok = (
            source.startswith("/")
            and not source.startswith("//")
            and len(source) <= 500
            and not has_control_characters(source)
        )
        return source if ok else ""

    def signup(self):
        """What the confirmation link will carry (short keys keep the link short)."""
        data = self.cleaned_data
        return {
            "e": data["email"],
            "n": data["name"],
            "o": data["organization"],
            "c": data["country"],
            "t": sorted(data["topics"]),
            "k": sorted(data["countries"]),
            "l": data["language"],
            "v": consent.CURRENT,
            "vl": self.page_language,  # the language of the consent text shown
            "s": data["source"],
        }
