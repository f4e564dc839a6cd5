"""The Atom feed of a public community's new threads."""

import pytest
from django.urls import reverse

from community import actions
from community.models import Post
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_feed_lists_new_threads_of_public_community(client, django_assert_max_num_queries):
    community = CommunityFactory(slug="birds", name="Birds")
    alice = MembershipFactory(community=community).user
    for i in range(3):
        actions.check_create_thread(
            actor=alice, community=community, title=f"Sighting {i}", body=f"A **heron** {i}"
        )
    with django_assert_max_num_queries(4):
        response = client.get(reverse("community:feed", kwargs={"slug": "birds"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert "<title>Birds: new threads</title>" in text
    assert text.index("Sighting 2") < text.index("Sighting 0")
    assert "&lt;strong&gt;heron&lt;/strong&gt;" in text  # sanitised HTML, escaped in XML
    assert "/c/birds/t/" in text


def test_feed_hides_deleted_opening_post_text():
    community = CommunityFactory(slug="fish")
    alice = MembershipFactory(community=community).user
    thread = actions.check_create_thread(actor=alice, community=community, title="T", body="oops")
    actions.check_delete_post(actor=alice, post=Post.objects.get(thread=thread))
    from django.test import Client

    text = Client().get("/c/fish/feed.atom").content.decode()
    assert "oops" not in text
    assert "Deleted by its author" in text


def test_feed_of_members_only_or_missing_community_is_404(client):
    private = CommunityFactory(slug="hidden", visibility="members")
    member = MembershipFactory(community=private).user
    actions.check_create_thread(actor=member, community=private, title="Secret", body="x")
    assert client.get("/c/hidden/feed.atom").status_code == 404
    client.force_login(member)  # a feed reader is an outsider even for members
    assert client.get("/c/hidden/feed.atom").status_code == 404
    assert client.get("/c/nowhere/feed.atom").status_code == 404


def test_community_home_finding_9_announces_its_feed(client):
    CommunityFactory(slug="birds", name="Birds")
    html = client.get(reverse("community:home", kwargs={"slug": "birds"})).content.decode()
    feed = reverse("community:feed", kwargs={"slug": "birds"})
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Birds: new threads" '
        f'href="{feed}">' in html
    )
