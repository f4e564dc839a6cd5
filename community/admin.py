"""Django admin for discussions: lists of threads, posts and notifications, showing only
what anyone may read (see core.admin). Takedowns of illegal content come with
moderation, as logged actions, not admin edits."""

from django.contrib import admin
from django.contrib.sites.admin import SiteAdmin as BaseSiteAdmin

from community.models import Post, Thread, in_members_only_community
from core.admin import ListOnlyAdmin, ReadOnlyAdmin
from notifications.models import Notification


@admin.register(Thread)
class ThreadAdmin(ListOnlyAdmin):
    list_display = ("pk", "title", "community", "author", "reply_count", "last_activity_at")
    list_select_related = ("community", "author")
    hidden_rows = in_members_only_community()


@admin.register(Post)
class PostAdmin(ListOnlyAdmin):
    list_display = ("pk", "thread_id", "community", "author", "depth", "created_at", "edited_at")
    list_display += ("deleted_at", "moderation_state")
    list_select_related = ("thread__community", "author")
    hidden_rows = in_members_only_community("thread__community")

    @admin.display(description="community")
    def community(self, post):
        return post.thread.community


@admin.register(Notification)
class NotificationAdmin(ListOnlyAdmin):
    # No text: it is someone's own message, often quoting a members-only thread.
    list_display = ("recipient", "kind", "created_at", "read_at", "emailed_at")
    list_select_related = ("recipient",)
    list_filter = ("kind", "delivery")
    hidden_rows = in_members_only_community()


class SiteAdmin(ReadOnlyAdmin, BaseSiteAdmin):
    """The site's name and domain go into every account email (links, subjects): staff
    changing them could point password resets elsewhere. Set them by deployment, not here.
    Registered in place of Django's by config.admin."""
