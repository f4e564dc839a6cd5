"""Pages that update themselves: the fragments an open page polls (thread replies, the
header's unread count)."""

import pytest
from django.urls import reverse

from community.models import Community
from tests.factories import UserFactory, community_with_members, reply_to, thread_with_post

pytestmark = pytest.mark.django_db


def _thread(**fields):
    community, (alice, bruno) = community_with_members(2, **fields)
    thread, root = thread_with_post(community=community, author=alice.user)
    url = reverse("community:new_replies", args=[community.slug, thread.pk])
    return community, thread, root, alice.user, bruno.user, url


def test_new_replies_shows_the_count_and_links_to_the_first_new_one(client):
    community, thread, root, alice, bruno, url = _thread()
    reply_to(root, author=bruno, body="First")
    first = reply_to(root, author=bruno, body="Second")
    reply_to(root, author=bruno, body="Third")
    client.force_login(alice)
    response = client.get(url, {"seen": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "2 new replies" in text
    assert f"#post-{first.pk}" in text and "?new=" in text


def test_new_replies_empty_when_nothing_new(client, django_assert_max_num_queries):
    community, thread, root, alice, bruno, url = _thread()
    reply_to(root, author=bruno)
    with django_assert_max_num_queries(4):
        response = client.get(url, {"seen": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.content == b""


def test_new_replies_refuses_members_only_thread_to_outsiders(client):
    community, thread, root, alice, bruno, url = _thread(visibility=Community.Visibility.MEMBERS)
    reply_to(root, author=bruno)
    assert client.get(url, {"seen": "0"}).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url, {"seen": "0"}).status_code == 404
    client.force_login(alice)
    assert "1 new reply" in client.get(url, {"seen": "0"}).content.decode()


def test_thread_page_polls_with_what_it_shows(client, settings):
    settings.LIVE_POLL_SECONDS = 7
    community, thread, root, alice, bruno, url = _thread()
    reply_to(root, author=bruno)
    text = client.get(thread.get_absolute_url()).content.decode()
    assert f'data-hx-get="{url}?seen=1"' in text
    assert 'data-hx-trigger="every 7s"' in text


def test_unread_count_fragment_shows_the_count_and_nothing_to_anonymous(client):
    community, thread, root, alice, bruno, url = _thread()
    reply_to(root, author=bruno)  # notifies alice of a reply to her thread
    anonymous = client.get(reverse("notifications:unread"))
    assert anonymous.status_code == 204
    client.force_login(alice)
    response = client.get(reverse("notifications:unread"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    unread = alice.notifications.unread_count()
    assert f'<span class="nav-badge">{unread}' in response.content.decode() or unread == 0


def test_proposal_status_line_polls_while_seeking_and_shows_seconds(client):
    from purposes.drafting import check_submit_proposal
    from purposes.seconds import check_second_proposal
    from tests.purposes.test_proposals import draft

    community, members = community_with_members(4)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    check_second_proposal(actor=members[1].user, proposal=proposal)
    url = reverse("purposes:proposal_live", args=[community.slug, proposal.pk])
    client.force_login(members[2].user)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert f'data-hx-get="{url}?shown=seeking"' in page
    response = client.get(url, {"shown": "seeking"}, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200 and "1 of" in text and "seconds so far" in text
    assert "<form" not in text  # the vote and second forms are never replaced
    assert "Now " not in text
    moved = client.get(url, {"shown": "draft"}).content.decode()
    assert "Reload the page to see it" in moved


def test_own_reply_posted_in_place_moves_the_polls_count_on(client):
    community, thread, root, alice, bruno, url = _thread()
    client.force_login(bruno)
    response = client.post(
        reverse("community:reply", args=[community.slug, thread.pk]),
        {"parent": root.pk, "body": "Mine", "token": "t1"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert 'id="thread-updates" role="status" data-hx-swap-oob="true"' in text
    assert f"{url}?seen=1" in text  # so the reader's own reply is not announced as new
