"""The moderation page of a community: the review queue, open appeals and the public log."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from community.permissions import access_community
from members.permissions import current_membership, has_moderators
from moderation.appeals import my_appealable, open_appeals
from moderation.flags import flag_threshold
from moderation.log import log_page
from moderation.permissions import can_moderate, can_take_down
from moderation.review import may_see_queue, review_queue


@require_GET
def moderation_home(request, slug):
    """/c/<slug>/moderation/: the queue (for those who review), open appeals, the log."""
    community = access_community(request.user, slug)
    user = request.user
    may_review = may_see_queue(user, community)
    context = {
        "community": community,
        "log": log_page(community=community, page_number=request.GET.get("page")),
        "queue": review_queue(community=community, user=user) if may_review else None,
        "appeals": open_appeals(community=community),
        "appealable": my_appealable(user=user, community=community),
        "moderates": can_moderate(user, community),
        "has_moderators": has_moderators(community),
        "membership": current_membership(user, community),
        "can_take_down": can_take_down(user),
        "threshold": flag_threshold(community),
    }
    return render(request, "moderation/home.html", context)
