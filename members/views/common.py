"""What several members pages do alike."""

from django.contrib import messages
from django.utils.translation import gettext as _

from community.models import Community
from purposes import founding


def after_joining(community: Community) -> None:
    """A new founder may complete a forming community's quorum."""
    if community.is_forming:
        founding.do_activate_if_quorum(community=community)


def welcome(request, community: Community) -> None:
    community.refresh_from_db(fields=["state"])
    if community.is_forming:
        messages.success(
            request,
            _("You joined %(community)s as a founder and endorsed its founding charter.")
            % {"community": community.name},
        )
    else:
        messages.success(request, _("Welcome to %(community)s.") % {"community": community.name})
