from django import template

from ..forms import SignupForm

register = template.Library()


@register.inclusion_tag("newsletter/includes/footer_signup.html", takes_context=True)
def newsletter_footer(context):
    """The footer's signup form, on every page except the newsletter's own (which has the full form)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if request is None or (match and match.namespace == "newsletter"):
        return {"show": False}
    form = SignupForm(initial={"source": request.path}, prefix_id="footer")
    return {"show": True, "form": form, "request": request, "csrf_token": context.get("csrf_token")}
