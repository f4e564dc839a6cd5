from urllib.parse import urlencode

from django import template

register = template.Library()

# Pages whose header links carry on to where the person was going. Only these: every
# other page may be kept in the shared page cache, which must never hold someone's next.
ONWARD_PAGES = ("account_login", "account_signup")


@register.simple_tag(takes_context=True)
def onward(context) -> str:
    """``?next=…`` for the header's "Log in" and "Sign up" on the login and sign-up pages
    when the person came with a ``next`` (a claim or invitation link that needs an
    account), so it survives whichever link they take; otherwise nothing."""
    request = context.get("request")
    going = request.GET.get("next", "") if request is not None else ""
    match = getattr(request, "resolver_match", None)
    if not going or match is None or match.url_name not in ONWARD_PAGES:
        return ""
    return "?" + urlencode({"next": going})
