"""URLs of a community's health (namespace ``engagement``): its stage, why, plots and data."""

from django.urls import path

from engagement import views

app_name = "engagement"

urlpatterns = [
    path("c/<slug:slug>/health/", views.health, name="health"),
    path("u/<str:username>/relationships/", views.my_relationships, name="relationships"),
    path("c/<slug:slug>/health/data.csv", views.health_csv, name="health_csv"),
]
