"""Bad input gets a clear message and changes nothing: malformed JSON, wrong types, unknown
fields, a body over the limit, a tampered cursor; and where the page refuses something, the
API refuses it with the page's own message."""

import html

import pytest
from django.core.cache import cache
from django.test import Client

from api.auth import MAX_BODY_BYTES
from community.models import Post, Thread
from moderation.models import Flag
from purposes.models import Second
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def reply_path(world):
    return f"/communities/den/threads/{world.thread.pk}/posts"


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ('{"parent_id": 1, "body": "x"', 400, "malformed_json"),
        ("[1, 2]", 422, "invalid_request"),
        ('"just a string"', 422, "invalid_request"),
        ('{"parent_id": "1", "body": "x"}', 422, "invalid_request"),  # a string, not a number
        ('{"parent_id": 1, "body": 5}', 422, "invalid_request"),
        ('{"parent_id": 1}', 422, "invalid_request"),
        ('{"parent_id": 1, "body": "x", "author": "otto"}', 422, "invalid_request"),
        ('{"parent_id": 1, "body": null}', 422, "invalid_request"),
    ],
)
def test_a_bad_body_is_refused_and_changes_nothing(api, world, raw, status, code):
    before = Post.objects.count()
    response = api.post(reply_path(world), raw=raw, token=bearer(world.member))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert Post.objects.count() == before


def test_an_unknown_field_is_named_in_the_error(api, world):
    body = {"parent_id": world.root.pk, "body": "hi", "autor": "typo"}
    response = api.post(reply_path(world), body, token=bearer(world.member))
    assert response.status_code == 422
    assert "autor" in response.json()["fields"]


def test_a_body_over_the_limit_is_refused_with_413(api, world):
    before = Post.objects.count()
    body = {"parent_id": world.root.pk, "body": "x" * (MAX_BODY_BYTES + 1)}
    response = api.post(reply_path(world), body, token=bearer(world.member))
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Post.objects.count() == before


def test_a_tampered_cursor_is_refused(api, world):
    token = bearer(world.member)
    for n in range(3):
        api.post("/communities/den/threads", {"title": f"T{n}", "body": "b"}, token=token)
        cache.clear()  # the thread rate limit: this test is about cursors
    first = api.get("/communities/den/threads?limit=2", token=token).json()
    cursor = first["next_cursor"]
    assert cursor
    tampered = cursor[:-3] + ("aaa" if not cursor.endswith("aaa") else "bbb")
    response = api.get(f"/communities/den/threads?cursor={tampered}", token=token)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_cursor"


def test_rate_limit_the_pages_limit_with_retry_after(api, world):
    token = bearer(world.member)
    body = {"parent_id": world.root.pk, "body": "One"}
    assert api.post(reply_path(world), body, token=token).status_code == 201
    again = api.post(reply_path(world), {**body, "body": "Two"}, token=token)
    assert again.status_code == 429
    assert again.json()["code"] == "rate_limited"
    assert 1 <= int(again["Retry-After"]) <= 5
    assert not Post.objects.filter(body="Two").exists()


def test_rate_limit_is_shared_with_the_pages(api, world):
    """One limit per member: a reply on the page counts against the API too."""
    page = Client()
    page.force_login(world.member)
    page.post(
        f"/c/den/t/{world.thread.pk}/reply/", {"parent": world.root.pk, "body": "From the page"}
    )
    assert Post.objects.filter(body="From the page").exists()
    body = {"parent_id": world.root.pk, "body": "From the API"}
    assert api.post(reply_path(world), body, token=bearer(world.member)).status_code == 429


# --- The page's refusals, word for word -----------------------------------------------------


def page_says(response) -> str:
    return html.unescape(response.content.decode())


def test_second_own_proposal_same_refusal_as_the_page(api, world):
    proposal = world.seeking
    page = Client()
    page.force_login(world.other)
    shown = page.post(f"/c/den/proposals/{proposal.pk}/second/", follow=True)
    response = api.post(
        f"/communities/den/proposals/{proposal.pk}/seconds", token=bearer(world.other)
    )
    assert response.status_code == 422
    message = response.json()["message"]
    assert message == "You cannot second your own proposal."
    assert message in page_says(shown)
    assert not Second.objects.filter(proposal=proposal, user=world.other).exists()


def test_second_twice_same_refusal_as_the_page(api, world):
    path = f"/communities/den/proposals/{world.seeking.pk}/seconds"
    token = bearer(world.member)
    assert api.post(path, token=token).status_code == 200
    response = api.post(path, token=token)
    assert response.json()["message"] == "You have already seconded this proposal."
    page = Client()
    page.force_login(world.member)
    shown = page.post(f"/c/den/proposals/{world.seeking.pk}/second/", follow=True)
    assert response.json()["message"] in page_says(shown)


def test_flag_own_post_same_refusal_as_the_page(api, world):
    path = f"/communities/den/posts/{world.root.pk}/flags"
    response = api.post(path, {"reason": "spam"}, token=bearer(world.member))
    assert response.status_code == 422
    page = Client()
    page.force_login(world.member)
    shown = page.post(f"/c/den/p/{world.root.pk}/flag/", {"reason": "spam"})
    assert "You cannot flag your own post" in response.json()["message"]
    assert response.json()["message"] in page_says(shown)
    assert not Flag.objects.exists()


def test_suspended_reply_same_refusal_as_the_page(api, world):
    body = {"parent_id": world.root.pk, "body": "Let me in"}
    response = api.post(reply_path(world), body, token=bearer(world.suspended))
    assert response.status_code == 403
    page = Client()
    page.force_login(world.suspended)
    shown = page.post(
        f"/c/den/t/{world.thread.pk}/reply/", {"parent": world.root.pk, "body": "Let me in"}
    )
    assert shown.status_code == 403
    assert response.json()["message"] == (
        "You are suspended in this community: you can read but not post."
    )
    assert response.json()["message"] in page_says(shown)
    assert not Post.objects.filter(body="Let me in").exists()


def test_suspended_vote_same_refusal_as_the_page(api, world):
    path = f"/communities/den/proposals/{world.in_vote.pk}/vote"
    response = api.call("PUT", path, {"choice": "for"}, token=bearer(world.suspended))
    assert response.status_code == 403
    assert response.json()["message"].startswith("You are suspended until")
    page = Client()
    page.force_login(world.suspended)
    shown = page.post(f"/c/den/proposals/{world.in_vote.pk}/vote/", {"choice": "for"})
    assert response.json()["message"] in page_says(shown)


def test_edit_someone_elses_post_same_refusal_as_the_page(api, world):
    path = f"/communities/den/posts/{world.others_post.pk}"
    response = api.call("PATCH", path, {"body": "Mine now"}, token=bearer(world.member))
    assert response.status_code == 403
    page = Client()
    page.force_login(world.member)
    shown = page.post(f"/c/den/p/{world.others_post.pk}/edit/", {"body": "Mine now"})
    assert response.json()["message"] == "Only its author can change a post."
    assert response.json()["message"] in page_says(shown)
    world.others_post.refresh_from_db()
    assert world.others_post.body == "Tomatoes!"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": "  ", "body": "b"}, "title", "Give the thread a title."),
        ({"title": "t", "body": " \n "}, "body", "Write something first: the message is empty."),
        ({"title": "x" * 201, "body": "b"}, "title", "A title can be at most 200 characters"),
        ({"title": "t", "body": "b", "goal": "Not a goal"}, "goal", "That goal is not in the"),
    ],
)
def test_start_thread_bad_input_gets_the_actions_message(api, world, body, field, message):
    before = Thread.objects.count()
    response = api.post("/communities/den/threads", body, token=bearer(world.member))
    assert response.status_code == 422
    assert response.json()["fields"][field][0].startswith(message)
    assert Thread.objects.count() == before


def test_join_with_an_old_charter_version_is_refused(api, world):
    token = bearer(world.outsider)
    response = api.post("/communities/den/join", {"charter_version": 0}, token=token)
    assert response.status_code == 409
    assert response.json()["code"] == "charter_changed"
    assert not world.den.memberships.filter(user=world.outsider).exists()


def test_join_by_application_only_same_refusal_as_the_page(api, world):
    world.den.charter.join_policy = "invitation"
    world.den.charter.save()
    token = bearer(world.outsider)
    response = api.post("/communities/den/join", {"charter_version": 1}, token=token)
    assert response.status_code == 422
    assert response.json()["code"] == "needs_invitation"
    assert not world.den.memberships.filter(user=world.outsider).exists()
