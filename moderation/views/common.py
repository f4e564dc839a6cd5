"""What every moderation page answers to a refusal."""

from django.core.exceptions import PermissionDenied

from core.web import refused

REFUSED = "moderation/refused.html"


def refuse(request, error: PermissionDenied, *, community):
    """Moderation's refusal page (core.web.refused), with a way back to the community's
    moderation page."""
    return refused(request, error, template=REFUSED, context={"community": community})
