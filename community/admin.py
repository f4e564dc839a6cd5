"""Django admin for discussions: read-only lists of threads and posts.

Staff have no extra powers over discussions (R2): no adding, editing or deleting here.
Takedowns of illegal content come with moderation, as logged actions, not admin edits.
"""

from django.contrib import admin

from .models import Notification, Post, Thread


class ReadOnlyAdmin(admin.ModelAdmin):
    """Something to look at: no add, change or delete, no bulk actions."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ("title", "community", "author", "reply_count", "last_activity_at")
    list_select_related = ("community", "author")
    search_fields = ("title",)
    list_filter = ("community",)


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("pk", "thread", "author", "depth", "created_at", "edited_at", "deleted_at")
    list_select_related = ("thread", "author")
    search_fields = ("body",)
    raw_id_fields = ("thread", "author", "parent")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "text", "created_at", "read_at", "emailed_at")
    list_select_related = ("recipient",)
    list_filter = ("kind", "delivery")
