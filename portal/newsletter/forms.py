"""The signup form: the same fields in the footer of every page and on /newsletter/."""

from django import forms
from django.core.exceptions import ValidationError

from portal.validation import has_control_characters

from . import consent
from .interests import get_interests


class SingleLine:
    """Rejects CR, LF and other control characters before Django strips the ends (header
    injection)."""

    def to_python(self, value):
        if has_control_characters(value):
            raise ValidationError(
                "Use a single line without line breaks or control characters.", code="control"
            )
        return super().to_python(value)


class SingleLineCharField(SingleLine, forms.CharField):
    pass


class SingleLineEmailField(SingleLine, forms.EmailField):
    pass


class SignupForm(forms.Form):
    email = SingleLineEmailField(max_length=254, label="Email address")
    name = SingleLineCharField(max_length=200, required=False, label="Name (optional)")
    organization = SingleLineCharField(
        max_length=200, required=False, label="Organization (optional)"
    )
    country = forms.ChoiceField(required=False, label="Country you work in (optional)")
    topics = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Topics to hear about (optional)"
    )
    countries = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Countries to hear about (optional)",
    )
    consent = forms.BooleanField(
        required=True,
        label=consent.current_text(),
        error_messages={"required": "Tick the box to agree, or we cannot send you updates."},
    )
    # A honeypot: hidden from people by CSS and aria-hidden; bots fill every field.
    website = forms.CharField(required=False, label="Leave this field empty")
    source = forms.CharField(required=False, widget=forms.HiddenInput, validators=[])

    def __init__(self, *args, prefix_id="", **kwargs):
        super().__init__(*args, **kwargs)
        interests = get_interests()
        countries = interests.countries()
        self.fields["country"].choices = [("", "—"), *countries]
        self.fields["countries"].choices = countries
        self.fields["topics"].choices = interests.topics()
        self.fields[
            "source"
        ].validators.clear()  # CharField's NUL check: a bad hidden value is dropped instead
        if prefix_id:  # the footer and the page may both show a form: keep ids unique
            self.auto_id = f"{prefix_id}-%s"

    @property
    def is_spam(self):
        return bool(self.data.get("website"))

    def clean_email(self):
        local, _, domain = self.cleaned_data["email"].rpartition("@")
        return f"{local}@{domain.lower()}"

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
            "v": consent.CURRENT,
            "s": data["source"],
        }
