"""Data safety (issue 9): nothing a member wrote is hard-deleted; deleting an account
anonymises it and keeps the community's record whole; a member downloads all their data.
"""

import json
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from community.actions import do_reply
from community.models import Post, PostRevision, Thread
from members.account_data import do_delete_account
from members.models import Application, Membership, User
from moderation.models import ModerationAction
from notifications.models import Notification
from purposes.models import Charter, Proposal, Vote
from purposes.voting import do_cast_vote
from tests.factories import PASSWORD, UserFactory
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# The only deletes in application code, and why each is not a member's writing.
ALLOWED_DELETES = {
    "community/relationships.py": "member pairs: derived data, recomputed from posts",
    "members/accounts.py": "sign-ups never verified: no content can exist yet",
    "members/profiles.py": "a member's own uploaded picture, removed at their request",
    "members/account_data.py": "a deleted account's private rows: notifications, settings",
}


def test_no_code_path_deletes_rows_except_derived_or_private_data():
    found = {}
    for app in ("community", "members", "purposes"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if re.search(r"\.delete\(", path.read_text()):
                found[str(path.relative_to(ROOT))] = True
    assert set(found) <= set(ALLOWED_DELETES), sorted(set(found) - set(ALLOWED_DELETES))


def test_the_database_refuses_to_delete_what_members_wrote():
    world = build_world()
    author = world.users["author"]
    proposal = world.objects["proposal"]
    do_cast_vote(user=world.users["member"], proposal=proposal, choice="for", reason="")
    for doomed in (
        author,  # posts, threads, proposals, votes, flags point at the author
        world.inner,  # threads, charters, memberships, log entries
        proposal,  # its votes
        world.inner.charter,  # the community and proposals built on it
        world.objects["post"],  # its replies and their place in the tree
        world.objects["thread"],
        world.objects["hidden"],  # flags and moderation actions
    ):
        with pytest.raises(ProtectedError), transaction.atomic():
            type(doomed).objects.filter(pk=doomed.pk).delete()
    for model in (Post, Thread, Vote, Charter, ModerationAction, Membership, Proposal):
        assert model.objects.exists()


def test_an_authors_delete_leaves_the_post_and_its_history(client):
    world = build_world()
    reply = world.objects["reply"]
    client.force_login(world.users["member"])
    client.post(reverse("community:post_edit", args=["inner", reply.pk]), {"body": "Edited"})
    client.post(reverse("community:post_delete", args=["inner", reply.pk]))
    reply.refresh_from_db()
    assert reply.is_deleted
    assert PostRevision.objects.filter(post=reply).exists()


def _delete_url(user):
    return reverse("members:account_delete", args=[user.username])


def test_account_deletion_needs_the_password_and_keeps_what_was_typed_out(client):
    world = build_world()
    member = world.users["member"]
    client.force_login(member)
    page = client.get(_delete_url(member))
    assert page.status_code == 200 and "Delete my account" in page.content.decode()
    response = client.post(_delete_url(member), {"password": "not it"})
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    member.refresh_from_db()
    assert member.is_active and member.username == "member"


def test_nobody_else_reaches_a_members_delete_or_export_page(client):
    world = build_world()
    member = world.users["member"]
    for url in (_delete_url(member), reverse("members:export_data", args=["member"])):
        client.logout()
        assert client.get(url).status_code == 302  # anonymous: sign in first
        for role in ("outsider", "moderator", "staff", "superuser"):
            client.force_login(world.users[role])
            assert client.get(url).status_code == 404
            assert client.post(url, {"password": PASSWORD}).status_code in {404, 405}
    member.refresh_from_db()
    assert member.is_active


def test_account_deletion_anonymises_and_keeps_the_record_whole(client):
    world = build_world()
    author = world.users["author"]
    elsewhere = Client()
    elsewhere.force_login(author)
    counts = {m: m.objects.count() for m in (Post, Thread, Vote, Proposal, Charter)}
    votes_before = list(Vote.objects.filter(user=author).values_list("pk", "choice"))
    client.force_login(author)
    response = client.post(_delete_url(author), {"password": PASSWORD})
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.username == f"deleted-{author.pk}"
    assert (author.email, author.bio, author.is_active) == ("", "", False)
    assert author.display_name == "Former member"
    assert not author.has_usable_password()
    assert not Membership.objects.current().filter(user=author).exists()
    assert not Notification.objects.filter(recipient=author).exists()
    assert {m: m.objects.count() for m in counts} == counts
    assert list(Vote.objects.filter(user=author).values_list("pk", "choice")) == votes_before
    # Signed out here and everywhere; the old name signs nobody in.
    assert "_auth_user_id" not in client.session
    assert elsewhere.get(reverse("notifications:index")).status_code == 302
    login = Client().post(reverse("account_login"), {"login": "author", "password": PASSWORD})
    assert "_auth_user_id" not in login.wsgi_request.session
    # The thread reads on, its posts by a former member.
    reader = Client()
    reader.force_login(world.users["member"])
    page = reader.get(world.objects["thread"].get_absolute_url()).content.decode()
    assert "Former member" in page and "Quokkabody" in page
    assert reader.get(reverse("members:profile", args=["author"])).status_code == 404


def test_do_delete_account_is_idempotent_and_ends_applications():
    world = build_world()
    applicant = world.users["applicant"]
    do_delete_account(user=applicant)
    do_delete_account(user=applicant)
    assert world.objects["application"].__class__.objects.get(
        pk=world.objects["application"].pk
    ).state == (Application.State.WITHDRAWN)


def test_export_holds_everything_the_member_wrote(client, django_assert_max_num_queries):
    world = build_world()
    author = world.users["author"]
    client.force_login(author)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("members:export_data", args=["author"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["username"] == "author"
    assert {p["id"] for p in data["posts"]} == set(
        Post.objects.filter(author=author).values_list("pk", flat=True)
    )
    assert any("Quokkabody" in p["body"] for p in data["posts"])
    assert {m["community"] for m in data["memberships"]} == {"inner", "plaza"}
    assert data["proposals"][0]["title"].startswith("Marzipanproposal")
    assert len(data["votes"]) == Vote.objects.filter(user=author).count()


def test_export_query_count_does_not_grow_with_posts(client, django_assert_max_num_queries):
    world = build_world()
    member = world.users["member"]
    for _ in range(30):
        do_reply(
            author=member,
            thread=world.objects["thread"],
            parent_id=world.objects["post"].pk,
            body="More",
        )
    client.force_login(member)
    with django_assert_max_num_queries(16):
        data = client.get(reverse("members:export_data", args=["member"])).json()
    assert len(data["posts"]) == 31


def test_a_user_with_nothing_written_can_delete_too(client):
    user = UserFactory()
    client.force_login(user)
    assert client.post(_delete_url(user), {"password": PASSWORD}).status_code == 302
    assert not User.objects.get(pk=user.pk).is_active
