"""URLs of moderation (namespace ``moderation``): the public log and queue, flags, reviews,
suspensions, appeals and takedowns of one community."""

from django.urls import path

from moderation.views import appeals, flags, log, review, suspensions, takedowns

app_name = "moderation"

urlpatterns = [
    path("c/<slug:slug>/moderation/", log.moderation_home, name="home"),
    path("c/<slug:slug>/moderation/p/<int:post_id>/", review.review, name="review"),
    path("c/<slug:slug>/moderation/suspend/", suspensions.suspend, name="suspend"),
    path("c/<slug:slug>/moderation/appeal/<int:action_id>/", appeals.appeal_new, name="appeal_new"),
    path("c/<slug:slug>/moderation/appeals/<int:appeal_id>/", appeals.appeal, name="appeal"),
    path("c/<slug:slug>/p/<int:post_id>/flag/", flags.flag_post, name="flag_post"),
    path("c/<slug:slug>/p/<int:post_id>/takedown/", takedowns.takedown, name="takedown"),
]
