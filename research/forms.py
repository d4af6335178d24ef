"""Admin forms: months typed or picked as YYYY-MM, stored as the 1st of the month."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d", "%m/%Y"]


class MonthInput(forms.DateInput):
    """A native month picker; browsers without one show a text box (YYYY-MM)."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "YYYY-MM", **(attrs or {})}, format="%Y-%m")


class StudyPageForm(WagtailAdminPageForm):
    """Accept months for the study timeline and name the field that is wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start_month", "end_month"):
            field = self.fields[name]
            field.input_formats = MONTH_FORMATS
            field.widget = MonthInput()
            field.error_messages["invalid"] = _("Enter a month as YYYY-MM, e.g. 2011-03.")
