"""Rate limits and new-member limits: 429 with Retry-After, a page saying when
to try again, and the text the person typed kept in the form."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import ratelimits
from community.models import Post, Thread
from moderation.models import Flag
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, thread_with_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(slug="pond")


@pytest.fixture
def veteran(community):
    return MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=30))


@pytest.fixture
def newcomer(community):
    return MembershipFactory(community=community)


def new_thread(client, community, title, body="Some words", token=""):
    return client.post(
        reverse("community:thread_new", args=[community.slug]),
        {"title": title, "body": body, "token": token},
    )


def test_hit_interval_then_allows_after_the_wait(veteran, monkeypatch):
    user, community = veteran.user, veteran.community
    assert ratelimits.hit(user=user, action="post", community=community) is None
    limited = ratelimits.hit(user=user, action="post", community=community)
    assert limited is not None and 1 <= limited.retry_after <= 5
    clock = ratelimits.time.time() + 6
    monkeypatch.setattr(ratelimits.time, "time", lambda: clock)
    from django.core.cache import cache

    cache.clear()  # the local-memory cache expires by the real clock
    assert ratelimits.hit(user=user, action="post", community=community) is None


def test_new_member_waits_thirty_seconds_between_posts(newcomer):
    user, community = newcomer.user, newcomer.community
    assert ratelimits.hit(user=user, action="post", community=community) is None
    limited = ratelimits.hit(user=user, action="post", community=community)
    assert 5 < limited.retry_after <= 30


@pytest.mark.parametrize(("action", "limit"), [("flag", 20), ("proposal", 3), ("invitation", 10)])
def test_daily_limits(action, limit):
    user = UserFactory()
    for _ in range(limit):
        assert ratelimits.hit(user=user, action=action) is None
    limited = ratelimits.hit(user=user, action=action)
    assert limited is not None
    assert 0 < limited.retry_after <= 86400
    assert "today" in limited.message


def test_limits_are_per_person():
    first, second = UserFactory(), UserFactory()
    assert ratelimits.hit(user=first, action="thread") is None
    assert ratelimits.hit(user=second, action="thread") is None


def test_thread_too_soon_is_429_with_retry_after_and_text_kept(client, veteran):
    client.force_login(veteran.user)
    assert new_thread(client, veteran.community, "First").status_code == 302
    response = new_thread(client, veteran.community, "Second", body="my careful words")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 15
    assert "Try again in" in response.text
    assert "my careful words" in response.text and "Second" in response.text
    assert Thread.objects.count() == 1


def test_thread_double_submit_with_same_token_is_not_limited(client, veteran):
    client.force_login(veteran.user)
    first = new_thread(client, veteran.community, "Once", token="tok-1")
    second = new_thread(client, veteran.community, "Once", token="tok-1")
    assert first["Location"] == second["Location"]


def test_new_member_links_limit(client, newcomer, veteran):
    body = "See https://a.example and https://b.example and www.c.example"
    client.force_login(newcomer.user)
    response = new_thread(client, newcomer.community, "Links", body=body)
    assert response.status_code == 400
    assert "at most 2 links" in response.text
    assert "https://b.example" in response.text
    assert not Thread.objects.exists()
    client.force_login(veteran.user)
    assert new_thread(client, veteran.community, "Links", body=body).status_code == 302


def test_count_links():
    assert ratelimits.count_links("[x](https://a.example) www.b.example http://c") == 3
    assert ratelimits.count_links("https://www.a.example") == 1
    assert ratelimits.count_links("no links here") == 0


def test_flag_limit_is_429_with_the_note_kept(client, veteran, community):
    author = MembershipFactory(community=community).user
    client.force_login(veteran.user)
    posts = []
    for i in range(21):
        _t, post = thread_with_post(community=community, author=author, title=f"T{i}")
        posts.append(post)
    for post in posts[:20]:
        url = reverse("moderation:flag_post", args=[community.slug, post.pk])
        assert client.post(url, {"reason": "spam"}).status_code == 302
    url = reverse("moderation:flag_post", args=[community.slug, posts[20].pk])
    response = client.post(url, {"reason": "other", "note": "my own note"})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "my own note" in response.text
    assert Flag.objects.count() == 20
    assert Post.objects.filter(moderation_state="hidden").count() == 0


def test_fourth_proposal_in_a_day_is_429_with_text_kept(client, veteran):
    from purposes.models import Proposal

    community = veteran.community
    client.force_login(veteran.user)
    url = reverse("purposes:proposal_new", args=[community.slug]) + "?kind=purpose"
    for i in range(3):
        data = {"kind": "purpose", "title": f"P{i}", "rationale": "r", "purpose": f"Aim {i}"}
        assert client.post(url, data | {"goals": "One"}).status_code == 302
    data = {"kind": "purpose", "title": "P4", "rationale": "my reasons", "purpose": "Aim 4"}
    response = client.post(url, data | {"goals": "One"})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "my reasons" in response.text and "today" in response.text
    assert Proposal.objects.count() == 3


def test_eleventh_invitation_in_a_day_is_429_with_name_kept(client):
    community = CommunityFactory(charter__join_policy="invitation")
    member = MembershipFactory(community=community).user
    client.force_login(member)
    url = reverse("members:invite", args=[community.slug])
    for _ in range(10):
        assert client.post(url, {"username": UserFactory().username}).status_code == 302
    name = UserFactory(username="zelda").username
    response = client.post(url, {"username": name})
    assert response.status_code == 429
    assert 'value="zelda"' in response.text


def test_new_member_reply_with_three_links_is_refused_with_text_kept(client, newcomer, veteran):
    _t, root = thread_with_post(community=newcomer.community, author=veteran.user)
    client.force_login(newcomer.user)
    url = reverse("community:reply", args=[newcomer.community.slug, root.thread_id])
    body = "https://a.example https://b.example https://c.example"
    response = client.post(url, {"parent": root.pk, "body": body})
    assert response.status_code == 400
    assert "at most 2 links" in response.text and "https://c.example" in response.text
    assert Post.objects.count() == 1


def _limited_view(action):
    """A view shaped like the real ones: it counts only a valid submission."""
    from django import forms
    from django.http import HttpResponse

    @ratelimits.rate_limited(action)
    def view(request):
        form = forms.Form(request.POST)
        valid = request.POST.get("valid") == "yes" and form.is_valid()
        if valid and not request.rate_limit.exceeded(form=form):
            return HttpResponse("done")
        return HttpResponse(" ".join(form.non_field_errors()) or "try again", status=400)

    return view


@pytest.mark.parametrize(("htmx", "status"), [(False, 429), (True, 200)])
def test_rate_limited_answers_over_the_limit_with_retry_after(rf, veteran, htmx, status):
    view = _limited_view("proposal")
    for _ in range(ratelimits.DAILY["proposal"]):
        request = rf.post("/", {"valid": "yes"})
        request.user, request.htmx = veteran.user, htmx
        assert view(request).content == b"done"
    request = rf.post("/", {"valid": "yes"})
    request.user, request.htmx = veteran.user, htmx
    response = view(request)
    assert response.status_code == status
    assert int(response["Retry-After"]) > 0
    assert "reached today’s limit of 3 proposals" in response.content.decode()


def test_rate_limited_counts_only_valid_submissions(rf, veteran):
    view = _limited_view("proposal")
    for _ in range(10):
        request = rf.post("/", {"valid": "no"})
        request.user, request.htmx = veteran.user, False
        assert view(request).status_code == 400
    request = rf.post("/", {"valid": "yes"})
    request.user, request.htmx = veteran.user, False
    response = view(request)
    assert response.content == b"done"
    assert "Retry-After" not in response.headers
