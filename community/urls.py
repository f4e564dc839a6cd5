"""URLs of the community app (namespace ``community``): /c/ and what hangs off a community."""

from django.urls import path

from community import feeds
from community.views import communities, posts, threads

app_name = "community"

urlpatterns: list = [
    # communities: the directory and a community's home (founding is in purposes)
    path("c/", communities.directory, name="directory"),
    path("c/<slug:slug>/", communities.home, name="home"),
    # threads: /c/<slug>/t/<id>/<thread-slug>/
    path("c/<slug:slug>/t/", threads.thread_list, name="thread_list"),
    path("c/<slug:slug>/t/new/", threads.thread_new, name="thread_new"),
    path("c/<slug:slug>/t/<int:thread_id>/", threads.thread_redirect, name="thread_short"),
    # before the thread route: "reply" would otherwise be read as a thread slug
    path("c/<slug:slug>/t/<int:thread_id>/reply/", posts.reply, name="reply"),
    path("c/<slug:slug>/t/<int:thread_id>/new-replies/", threads.new_replies, name="new_replies"),
    path(
        "c/<slug:slug>/t/<int:thread_id>/<slug:thread_slug>/",
        threads.thread,
        name="thread",
    ),
    path(
        "c/<slug:slug>/t/<int:thread_id>/<slug:thread_slug>/p/<int:post_id>/",
        threads.post,
        name="post",
    ),
    path("c/<slug:slug>/p/<int:post_id>/edit/", posts.edit, name="post_edit"),
    path("c/<slug:slug>/p/<int:post_id>/delete/", posts.delete, name="post_delete"),
    path("c/<slug:slug>/p/<int:post_id>/revisions/", posts.revisions, name="post_revisions"),
    path("c/<slug:slug>/preview/", posts.preview, name="preview"),
    path("c/<slug:slug>/feed.atom", feeds.CommunityThreadsFeed(), name="feed"),
]
