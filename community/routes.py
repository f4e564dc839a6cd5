"""URLs of the community app (namespace ``community``): /c/ and what hangs off a community."""

from django.urls import path

from .views import communities

app_name = "community"

urlpatterns: list = [
    # communities: directory, founding, home (issue 3)
    path("c/", communities.directory, name="directory"),
    path("c/new/", communities.new, name="new"),
    path("c/<slug:slug>/", communities.home, name="home"),
    path("c/<slug:slug>/founding/edit/", communities.founding_edit, name="founding_edit"),
    path("c/<slug:slug>/founding/endorse/", communities.founding_endorse, name="founding_endorse"),
    # threads: /c/<slug>/t/<id>/<thread-slug>/ (issue 4)
]
