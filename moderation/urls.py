"""URLs of moderation (namespace ``moderation``): the public log and queue, flags, reviews,
suspensions, appeals and takedowns of one community."""

from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("c/<slug:slug>/moderation/", views.moderation_home, name="home"),
    path("c/<slug:slug>/moderation/p/<int:post_id>/", views.review, name="review"),
    path("c/<slug:slug>/moderation/suspend/", views.suspend, name="suspend"),
    path("c/<slug:slug>/moderation/appeal/<int:action_id>/", views.appeal_new, name="appeal_new"),
    path("c/<slug:slug>/moderation/appeals/<int:appeal_id>/", views.appeal, name="appeal"),
    path("c/<slug:slug>/p/<int:post_id>/flag/", views.flag_post, name="flag_post"),
    path("c/<slug:slug>/p/<int:post_id>/takedown/", views.takedown, name="takedown"),
]
