"""URLs of the community app (namespace ``community``): /c/ and what hangs off a community."""

from django.urls import path

from . import feeds
from .views import communities
from .views import health as health_views
from .views import moderation as moderation_views
from .views import threads as thread_views

app_name = "community"

urlpatterns: list = [
    # communities: directory, founding, home (issue 3)
    path("c/", communities.directory, name="directory"),
    path("c/new/", communities.new, name="new"),
    path("c/<slug:slug>/", communities.home, name="home"),
    path("c/<slug:slug>/founding/edit/", communities.founding_edit, name="founding_edit"),
    path("c/<slug:slug>/founding/endorse/", communities.founding_endorse, name="founding_endorse"),
    # threads: /c/<slug>/t/<id>/<thread-slug>/ (issue 4)
    path("c/<slug:slug>/t/", thread_views.thread_list, name="thread_list"),
    path("c/<slug:slug>/t/new/", thread_views.thread_new, name="thread_new"),
    path("c/<slug:slug>/t/<int:thread_id>/", thread_views.thread_redirect, name="thread_short"),
    # before the thread route: "reply" would otherwise be read as a thread slug
    path("c/<slug:slug>/t/<int:thread_id>/reply/", thread_views.reply, name="reply"),
    path(
        "c/<slug:slug>/t/<int:thread_id>/new-replies/", thread_views.new_replies, name="new_replies"
    ),
    path(
        "c/<slug:slug>/t/<int:thread_id>/<slug:thread_slug>/",
        thread_views.thread,
        name="thread",
    ),
    path(
        "c/<slug:slug>/t/<int:thread_id>/<slug:thread_slug>/p/<int:post_id>/",
        thread_views.post,
        name="post",
    ),
    path("c/<slug:slug>/p/<int:post_id>/edit/", thread_views.edit, name="post_edit"),
    path("c/<slug:slug>/p/<int:post_id>/delete/", thread_views.delete, name="post_delete"),
    path("c/<slug:slug>/p/<int:post_id>/revisions/", thread_views.revisions, name="post_revisions"),
    path("c/<slug:slug>/preview/", thread_views.preview, name="preview"),
    path("c/<slug:slug>/feed.atom", feeds.CommunityThreadsFeed(), name="feed"),
    # health: the stage, why, plots and their data (issue 7)
    path("c/<slug:slug>/health/", health_views.health, name="health"),
    path("c/<slug:slug>/health/data.csv", health_views.health_csv, name="health_csv"),
    path("notifications/digest/", health_views.digest_settings, name="digest_settings"),
    # moderation: the public log and queue, flags, reviews, suspensions, appeals (issue 6)
    path("c/<slug:slug>/moderation/", moderation_views.moderation_home, name="moderation"),
    path(
        "c/<slug:slug>/moderation/p/<int:post_id>/",
        moderation_views.review,
        name="moderation_review",
    ),
    path("c/<slug:slug>/moderation/suspend/", moderation_views.suspend, name="moderation_suspend"),
    path(
        "c/<slug:slug>/moderation/appeal/<int:action_id>/",
        moderation_views.appeal_new,
        name="appeal_new",
    ),
    path(
        "c/<slug:slug>/moderation/appeals/<int:appeal_id>/",
        moderation_views.appeal,
        name="appeal",
    ),
    path("c/<slug:slug>/p/<int:post_id>/flag/", moderation_views.flag_post, name="flag_post"),
    path("c/<slug:slug>/p/<int:post_id>/takedown/", moderation_views.takedown, name="takedown"),
]
