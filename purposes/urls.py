"""URLs of the purposes app (namespace ``purposes``): charters, proposals, votes."""

from django.urls import path

app_name = "purposes"

urlpatterns: list = []
