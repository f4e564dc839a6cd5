"""Search: ranked results the viewer may read; members-only content never leaks."""

import pytest
from django.db import connection
from django.urls import reverse

from community import actions, selectors
from community.models import Post
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    public = CommunityFactory(name="Bikes", slug="bikes")
    private = CommunityFactory(name="Secret Garden", slug="secret", visibility="members")
    alice = MembershipFactory(community=public, user__username="alice").user
    insider = MembershipFactory(community=private, user__username="insider").user
    tyres = actions.check_create_thread(
        actor=alice, community=public, title="Puncture repair", body="Bring tyre levers."
    )
    chat = actions.check_create_thread(
        actor=alice, community=public, title="Saturday ride", body="We fix a puncture on the way."
    )
    hidden = actions.check_create_thread(
        actor=insider, community=private, title="Puncture of the secret hose", body="hush"
    )
    root = Post.objects.get(thread=chat, depth=0)
    actions.check_reply(actor=alice, thread=chat, parent_id=root.pk, body="puncture kits")
    return {"alice": alice, "insider": insider, "tyres": tyres, "chat": chat, "hidden": hidden}


def test_search_ranks_title_matches_first_and_hides_members_only(client, data):
    response = client.get(reverse("search"), {"q": "puncture"})
    assert response.status_code == 200
    text = response.text
    assert "Puncture repair" in text and "Saturday ride" in text
    assert text.index("Puncture repair") < text.index("Saturday ride")
    assert "secret hose" not in text
    assert "hush" not in text


def test_search_members_only_content_visible_to_members_only(client, data):
    outsider = UserFactory()
    assert not any(
        p.thread_id == data["hidden"].pk
        for p in selectors.search_posts(user=outsider, q="puncture")
    )
    client.force_login(data["insider"])
    assert "Puncture of the secret hose" in client.get(reverse("search"), {"q": "puncture"}).text


def test_search_skips_deleted_posts_and_needs_every_word(data):
    chat_root = Post.objects.get(thread=data["chat"], depth=0)
    actions.check_delete_post(actor=data["alice"], post=chat_root)
    found = selectors.search_posts(user=data["alice"], q="puncture way")
    assert found == []
    found = selectors.search_posts(user=data["alice"], q="puncture kits")
    assert [p.body for p in found] == ["puncture kits"]


def test_search_empty_or_junk_query_shows_no_results(client, data, django_assert_max_num_queries):
    for q in ("", "   ", "!!!"):
        response = client.get(reverse("search"), {"q": q})
        assert response.status_code == 200
        assert 'class="search-result"' not in response.text
    # A control character in the address is refused before the search (a 400, not a 500).
    assert client.get(reverse("search"), {"q": "\x00"}).status_code == 400
    with django_assert_max_num_queries(4):
        client.get(reverse("search"), {"q": "puncture"})


def test_search_posts_stops_at_the_limit_with_the_best_first(data):
    found = selectors.search_posts(user=data["alice"], q="puncture", limit=1)
    assert [p.thread.title for p in found] == ["Puncture repair"]


@pytest.mark.postgres
def test_search_uses_postgres_full_text_with_gin_index(data):
    assert connection.vendor == "postgresql"
    found = selectors.search_posts(user=data["alice"], q="punctures")  # stemmed
    titles = [p.thread.title for p in found]
    assert titles[0] == "Puncture repair"
    assert "Puncture of the secret hose" not in titles
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes"
            " WHERE tablename IN ('community_post', 'community_thread')"
        )
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"community_post_search_vector", "community_thread_search_vector"} <= indexes
    assert not {"community_post_body_fts", "community_thread_title_fts"} & indexes


@pytest.mark.postgres
def test_search_posts_finds_edited_words_not_the_old_ones(data):
    reply = Post.objects.get(thread=data["chat"], depth=1)
    actions.check_edit_post(actor=data["alice"], post=reply, body="patched with a spare tube")
    assert [p.pk for p in selectors.search_posts(user=data["alice"], q="spare tubes")] == [reply.pk]
    assert reply.pk not in [p.pk for p in selectors.search_posts(user=data["alice"], q="kits")]


@pytest.mark.postgres
def test_search_posts_finds_a_renamed_thread_by_its_new_title(data):
    root = Post.objects.get(thread=data["tyres"], depth=0)
    actions.check_edit_post(
        actor=data["alice"], post=root, body=root.body, title="Mending inner tubes"
    )
    found = selectors.search_posts(user=data["alice"], q="mending")
    assert [p.pk for p in found] == [root.pk]
    assert found[0].thread.title == "Mending inner tubes"
    assert root.pk not in [p.pk for p in selectors.search_posts(user=data["alice"], q="repair")]


@pytest.mark.postgres
def test_search_posts_ranks_only_the_newest_matches_and_title_matches(data, monkeypatch):
    # A common word ranks only the newest SEARCH_CANDIDATES body matches (the trade-off
    # that keeps search flat as the data grows); an opening post found by its thread's
    # title is a candidate of its own, however old.
    monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", 2)
    chat_root = Post.objects.get(thread=data["chat"], depth=0)
    newer = [
        actions.check_reply(
            actor=data["alice"], thread=data["chat"], parent_id=chat_root.pk, body=f"puncture {n}"
        )
        for n in range(2)
    ]
    found = {p.pk for p in selectors.search_posts(user=data["alice"], q="puncture")}
    tyres_root = Post.objects.get(thread=data["tyres"], depth=0)
    assert found == {newer[0].pk, newer[1].pk, tyres_root.pk}
