"""Admin: charters, proposals and votes are read-only for everyone, superusers included.

Platform staff cannot edit a charter or decide a vote (R2): these pages only show. A
charter is public; a proposal's text is its community's (members only, where the
community is), and a vote's choice is nobody's to see before the close (tallies are
hidden from everyone until then), so those two are lists of what is public.
"""

from django.contrib import admin

from community.admin_lists import ListOnlyAdmin, ReadOnlyAdmin, public_title

from .models import Charter, Proposal, Vote


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    list_display = ["community", "version", "created_at", "author"]
    list_select_related = ["community", "author"]


@admin.register(Proposal)
class ProposalAdmin(ListOnlyAdmin):
    list_display = ["pk", "shown_title", "community", "kind", "state", "created_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["community"]

    @admin.display(description="title")
    def shown_title(self, proposal):
        return public_title(proposal, proposal.community)


@admin.register(Vote)
class VoteAdmin(ListOnlyAdmin):
    # Who voted when, never how: not the choice, not the reason, not even after the close
    # (the proposal page shows the tally and the reasons to those who may read them).
    list_display = ["proposal_id", "community", "user", "cast_at", "superseded_at"]
    list_select_related = ["proposal__community", "user"]

    @admin.display(description="community")
    def community(self, vote):
        return vote.proposal.community
