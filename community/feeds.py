"""Atom feed of a public community's new threads: /c/<slug>/feed.atom.

Members-only communities have no feed (404): a feed reader is an anonymous outsider.
"""

import re

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from community.models import Community, Post
from community.permissions import get_community_or_404
from core.links import absolute_url

FEED_ITEMS = 30
_RELATIVE_LINK_RE = re.compile(r'\b(href|src)="(/(?!/)[^"]*)')


class CommunityThreadsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        community = get_community_or_404(slug)
        if not community.is_public:
            raise Http404("No such community")
        return community

    def title(self, community: Community) -> str:
        return _("%(name)s: new threads") % {"name": community.name}

    def subtitle(self, community: Community) -> str:
        return community.tagline

    # Absolute on SITE_URL: the syndication framework would otherwise prefix the Sites
    # framework's domain (example.com) to every link and to the feed's own address.
    def link(self, community: Community) -> str:
        return absolute_url(community.get_absolute_url())

    def feed_url(self, community: Community) -> str:
        return absolute_url(reverse("community:feed", args=[community.slug]))

    def items(self, community: Community):
        # The opening posts carry the threads: one query, authors and threads joined.
        return list(
            Post.objects.filter(thread__community=community, depth=0)
            .select_related("thread__community", "author")
            .order_by("-thread__created_at", "-thread_id")[:FEED_ITEMS]
        )

    def item_title(self, post: Post) -> str:
        return post.thread.title

    def item_description(self, post: Post) -> str:
        # Already sanitised when written; a deleted opening post gives no text away.
        if post.is_deleted:
            return _("Deleted by its author.")
        if post.moderation_state:
            return _("Hidden while members review it.")
        # Mentions link to /u/<name>/: a feed reader has no page to resolve them against.
        return _RELATIVE_LINK_RE.sub(
            lambda m: f'{m.group(1)}="{absolute_url(m.group(2))}', post.body_html
        )

    def item_link(self, post: Post) -> str:
        return absolute_url(post.thread.get_absolute_url())

    def item_author_name(self, post: Post) -> str:
        return post.author.shown_name

    def item_pubdate(self, post: Post):
        return post.thread.created_at

    def item_updateddate(self, post: Post):
        return post.thread.last_activity_at
