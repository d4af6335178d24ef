from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ...cache_purge import kept, site_version
from .. import consent
from ..forms import SignupForm

register = template.Library()

SOURCE_HOLE = "__footer-signup-source__"


@register.simple_tag(takes_context=True)
def newsletter_footer(context):
    """The footer's signup form, on every page except the newsletter's own (which has the full
    form).

    Rendered once per language and site version (countries and topics purge it,
    portal.cache_purge) with a placeholder for the one per-page value, the hidden `source`
    path, filled in here.
    """
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if request is None or (match and match.namespace == "newsletter"):
        return ""
    language = translation.get_language()  # the form's words, consent text and default choice
    key = f"fragment:newsletter-footer:{consent.CURRENT}:{language}:{site_version(request)}"

    def make():
        form = SignupForm(initial={"source": SOURCE_HOLE}, prefix_id="footer")
        return render_to_string(
            "newsletter/includes/footer_signup.html", {"show": True, "form": form}
        )

    html = kept(key, make)
    return mark_safe(html.replace(SOURCE_HOLE, escape(request.path)))
