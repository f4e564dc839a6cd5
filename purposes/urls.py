"""URLs of the purposes app (namespace ``purposes``): founding, charters, proposals, votes.

The root URLconf includes these before the community app's: /c/new/ must be found here
before /c/<slug>/ reads "new" as a community's address.
"""

from django.urls import path

from purposes.views import amendments, charters, founding, proposals

app_name = "purposes"

urlpatterns: list = [
    path("c/new/", founding.found, name="found"),
    path("c/<slug:slug>/founding/edit/", founding.founding_edit, name="founding_edit"),
    path("c/<slug:slug>/founding/endorse/", founding.founding_endorse, name="founding_endorse"),
    path("c/<slug:slug>/offshoot/", founding.offshoot, name="offshoot"),
    path("c/<slug:slug>/charter/", charters.charter, name="charter"),
    path("c/<slug:slug>/charter/affirm/", charters.affirm, name="affirm"),
    path("c/<slug:slug>/charter/history/", charters.charter_history, name="charter_history"),
    path("c/<slug:slug>/proposals/", proposals.proposal_list, name="proposals"),
    path("c/<slug:slug>/proposals/new/", proposals.proposal_new, name="proposal_new"),
    path("c/<slug:slug>/proposals/<int:proposal_id>/", proposals.proposal, name="proposal"),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/edit/",
        proposals.proposal_edit,
        name="proposal_edit",
    ),
    path("c/<slug:slug>/proposals/<int:proposal_id>/vote/", proposals.vote, name="vote"),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/ballots.csv",
        proposals.proposal_ballots_csv,
        name="proposal_ballots_csv",
    ),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/count.csv",
        proposals.proposal_count_csv,
        name="proposal_count_csv",
    ),
    # before the steps: "amend" and "live" would otherwise be read as one
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/amend/",
        amendments.amend,
        name="amend",
    ),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/amendments/<int:amendment_id>/accept/",
        amendments.amendment_accept,
        name="amendment_accept",
    ),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/amendments/<int:amendment_id>/decline/",
        amendments.amendment_decline,
        name="amendment_decline",
    ),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/amendments/<int:amendment_id>/carry/",
        amendments.amendment_carry,
        name="amendment_carry",
    ),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/live/",
        proposals.proposal_live,
        name="proposal_live",
    ),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/<str:step>/",
        proposals.proposal_step,
        name="proposal_step",
    ),
]
