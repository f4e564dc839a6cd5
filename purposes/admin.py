"""Admin: charters, proposals and votes are read-only for everyone, superusers included.

Platform staff cannot edit a charter or decide a vote (R2): these pages only show.
"""

from django.contrib import admin

from .models import Charter, Proposal, Vote


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    list_display = ["community", "version", "created_at", "author"]
    list_select_related = ["community", "author"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "state", "created_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["community"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "user", "choice", "cast_at", "superseded_at"]
    list_select_related = ["proposal", "user"]
