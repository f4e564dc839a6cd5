"""URLs of the portability app (namespace ``portability``): archives, import, claims and
the earlier history of an imported community."""

from django.urls import path

from portability import views

app_name = "portability"

urlpatterns = [
    path("c/<slug:slug>/archive/", views.archive, name="archive"),
    path("c/<slug:slug>/archive/status/", views.archive_status, name="archive_status"),
    path(
        "c/<slug:slug>/archive/<int:build_id>/download/",
        views.archive_download,
        name="archive_download",
    ),
    path("c/<slug:slug>/history/", views.history, name="history"),
    path("c/<slug:slug>/history/t/<int:number>/", views.history_thread, name="history_thread"),
    path("c/<slug:slug>/history/p/<int:number>/", views.history_proposal, name="history_proposal"),
    path("c/<slug:slug>/claim/", views.claim, name="claim"),
    path("c/<slug:slug>/claim/join/", views.claim_accept, name="claim_accept"),
    path("staff/import/", views.import_archive, name="import"),
    path("staff/import/confirm/", views.import_confirm, name="import_confirm"),
]
