"""URLs of the purposes app (namespace ``purposes``): charters, proposals, votes."""

from django.urls import path

from purposes import views

app_name = "purposes"

urlpatterns: list = [
    path("c/<slug:slug>/charter/", views.charter, name="charter"),
    path("c/<slug:slug>/charter/affirm/", views.affirm, name="affirm"),
    path("c/<slug:slug>/charter/history/", views.charter_history, name="charter_history"),
    path("c/<slug:slug>/offshoot/", views.offshoot, name="offshoot"),
    path("c/<slug:slug>/proposals/", views.proposal_list, name="proposals"),
    path("c/<slug:slug>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("c/<slug:slug>/proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/edit/", views.proposal_edit, name="proposal_edit"
    ),
    path("c/<slug:slug>/proposals/<int:proposal_id>/vote/", views.vote, name="vote"),
    # before the steps: "live" would otherwise be read as one
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/live/", views.proposal_live, name="proposal_live"
    ),
    path(
        "c/<slug:slug>/proposals/<int:proposal_id>/<str:step>/",
        views.proposal_step,
        name="proposal_step",
    ),
]
