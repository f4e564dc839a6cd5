"""What every moderation page answers to a refusal."""

from django.core.exceptions import PermissionDenied

from core.web import refused

REFUSED = "moderation/refused.html"


def refuse(request, error: PermissionDenied, *, community):
    """Moderation's refusal page (core.web.refused), with a way back to the community's
    moderation page. Its htmx fragment comes as a 200, as it always has on these pages
    (tests/security/test_authorization_owners.py holds them to it)."""
    return refused(
        request, error, template=REFUSED, context={"community": community}, htmx_status=200
    )
