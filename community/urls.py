"""URLs of the community app (namespace ``community``): /c/ and what hangs off a community."""

from django.urls import path

from community import feeds
from community.views import communities
from community.views import threads as thread_views

app_name = "community"

urlpatterns: list = [
    # communities: the directory and a community's home (founding is in purposes)
    path("c/", communities.directory, name="directory"),
    path("c/<slug:slug>/", communities.home, name="home"),
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
]
