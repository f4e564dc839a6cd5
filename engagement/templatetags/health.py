"""Template helpers of the health pages."""

from django import template

from engagement import snapshots

register = template.Library()


@register.simple_tag
def attach_stages(*lists) -> str:
    """Give each community in ``lists`` its latest stage (``community.stage``, None when
    no snapshot was taken yet) in one query, for lists such as the directory's."""
    communities = [community for items in lists for community in items or []]
    stages = snapshots.stages_of(community.pk for community in communities)
    for community in communities:
        community.stage = stages.get(community.pk)
    return ""
