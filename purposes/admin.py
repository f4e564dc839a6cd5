"""Admin: charters, proposals and votes are read-only for everyone, superusers included.

Platform staff cannot edit a charter or decide a vote (R2): these pages only show. A
charter is public; proposals and votes are lists without detail pages, leaving out
members-only communities (see core.admin), and a vote's choice is never shown:
tallies are hidden from everyone until the close.
"""

from django.contrib import admin

from community.models import in_members_only_community
from core.admin import ListOnlyAdmin, ReadOnlyAdmin
from purposes.models import Charter, Proposal, Vote


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    list_display = ["community", "version", "created_at", "author"]
    list_select_related = ["community", "author"]


@admin.register(Proposal)
class ProposalAdmin(ListOnlyAdmin):
    list_display = ["pk", "title", "community", "kind", "state", "created_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["community"]
    hidden_rows = in_members_only_community()


@admin.register(Vote)
class VoteAdmin(ListOnlyAdmin):
    # Who voted when, never how: not the choice, not the reason, not even after the close
    # (the proposal page shows the tally and the reasons to those who may read them).
    list_display = ["proposal_id", "community", "user", "cast_at", "superseded_at"]
    list_select_related = ["proposal__community", "user"]
    hidden_rows = in_members_only_community("proposal__community")

    @admin.display(description="community")
    def community(self, vote):
        return vote.proposal.community
