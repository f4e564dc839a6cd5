"""URLs of the community app (namespace ``community``): /c/ and what hangs off a community."""

from django.urls import path

app_name = "community"

urlpatterns: list = [
    # communities: directory, founding, home (issue 3)
    # threads: /c/<slug>/t/<id>/<thread-slug>/ (issue 4)
]
