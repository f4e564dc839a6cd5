"""URLs of the members app (namespace ``members``): joining, leaving, members, profiles."""

from django.urls import path

app_name = "members"

urlpatterns: list = []
