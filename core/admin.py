"""What the Django admin may be for platform staff (R2): lists to look at.

Staff own no community and act for no member, so no admin page adds, changes or deletes
anything of a community or a member, superusers included. Where a model's rows hold what
only members may read (posts, titles, votes, someone's notifications), there is no detail
page either, and the list leaves out every row of a members-only community: staff are
outsiders there, and even who belongs, posts or votes is its members' business. Locking an account
and taking a post down are the only staff powers: both are logged actions with their own
pages (members.admin, the takedown view), never admin edits.
"""

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q


class ReadOnlyAdmin(admin.ModelAdmin):
    """Something to look at: no add, change or delete, no bulk actions."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ListOnlyAdmin(ReadOnlyAdmin):
    """A list and nothing else: no detail or history page, no links to one, no search
    (a search over text nobody shows would still answer "is this word in there?")."""

    list_display_links = None
    search_fields = ()
    # The rows left out of the list, as a filter: each admin says which (core knows no
    # app), typically those of members-only communities. Required, so that no list shows
    # everything by omission.
    hidden_rows: Q | None = None

    def __init__(self, model, admin_site):
        if self.hidden_rows is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must say its hidden_rows.")
        super().__init__(model, admin_site)

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(self.hidden_rows)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise PermissionDenied

    def history_view(self, request, object_id, extra_context=None):
        raise PermissionDenied
