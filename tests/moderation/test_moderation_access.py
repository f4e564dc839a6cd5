"""Who may open and use every moderation view: anonymous, non-member, member, suspended
member, moderator, expired moderator, staff. 302 is the login redirect."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Post
from members.models import Membership
from moderation.appeals import check_file_appeal
from moderation.flags import check_flag_post
from moderation.models import Appeal, Flag, ModerationAction
from moderation.review import check_review_post
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    moderator_membership,
    thread_with_post,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "member", "suspended", "moderator", "expired", "staff"]


@pytest.fixture
def world():
    community = CommunityFactory(slug="square")
    mod = moderator_membership(community).user
    author = MembershipFactory(community=community, founder=True).user
    flaggers = [MembershipFactory(community=community, founder=True).user for _ in range(3)]
    bystanders = [MembershipFactory(community=community, founder=True).user for _ in range(6)]
    _t, post = thread_with_post(community=community, author=author)
    for user in flaggers:
        check_flag_post(actor=user, post=post, reason="spam")
    decision = check_review_post(actor=mod, post=post, decision="keep_hidden", reason="Ads")
    appeal = check_file_appeal(actor=author, decision=decision, statement="No ad")
    _t, other_post = thread_with_post(community=community, author=author, title="Another")
    for user in flaggers:
        check_flag_post(actor=user, post=other_post, reason="spam")
    expired = moderator_membership(community)
    Membership.objects.filter(pk=expired.pk).update(
        moderator_term_ends_at=timezone.now() - timedelta(seconds=1)
    )
    suspended = MembershipFactory(
        community=community, suspended_until=timezone.now() + timedelta(days=3)
    ).user
    users = {
        "anonymous": None,
        "outsider": UserFactory(),
        "member": bystanders[-1] if bystanders[-1].pk not in _jurors(appeal) else None,
        "suspended": suspended,
        "moderator": mod,
        "expired": expired.user,
        "staff": UserFactory(is_staff=True, is_superuser=True),
    }
    if users["member"] is None:
        users["member"] = MembershipFactory(community=community).user
    return {
        "community": community,
        "post": post,
        "other_post": other_post,
        "decision": decision,
        "appeal": appeal,
        "author": author,
        "users": users,
    }


def _jurors(appeal) -> set[int]:
    return set(appeal.jurors.values_list("user_id", flat=True))


def as_role(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return user


def urls(world) -> dict[str, str]:
    slug = world["community"].slug
    return {
        "log": reverse("moderation:home", args=[slug]),
        "flag": reverse("moderation:flag_post", args=[slug, world["other_post"].pk]),
        "review": reverse("moderation:review", args=[slug, world["other_post"].pk]),
        "suspend": reverse("moderation:suspend", args=[slug]),
        "appeal_new": reverse("moderation:appeal_new", args=[slug, world["decision"].pk]),
        "appeal": reverse("moderation:appeal", args=[slug, world["appeal"].pk]),
        "takedown": reverse("moderation:takedown", args=[slug, world["other_post"].pk]),
    }


# Expected status of GET for each view and role, in ROLES order.
GET_MATRIX = {
    "log": [200, 200, 200, 200, 200, 200, 200],
    "flag": [302, 403, 200, 403, 200, 200, 403],
    "review": [302, 403, 403, 403, 200, 403, 403],
    "suspend": [302, 403, 403, 403, 200, 403, 403],
    "appeal_new": [302, 403, 403, 403, 403, 403, 403],
    "appeal": [200, 200, 200, 200, 200, 200, 200],
    "takedown": [302, 403, 403, 403, 403, 403, 200],
}


@pytest.mark.parametrize("view", list(GET_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_get_every_moderation_view_by_role(client, world, view, role):
    as_role(client, world, role)
    response = client.get(urls(world)[view])
    assert response.status_code == GET_MATRIX[view][ROLES.index(role)]


POSTS = {
    "flag": {"reason": "spam"},
    "review": {"decision": "restore"},
    "suspend": {"username": "__author__", "days": 2, "reason": "Rude"},
    "appeal_new": {"statement": "Please"},
    "appeal": {"vote": "grant"},
    "takedown": {"reason": "Court order"},
}
# Who may change something by POSTing (everyone else changes nothing).
ALLOWED = {
    "flag": {"member", "moderator", "expired"},
    "review": {"moderator"},
    "suspend": {"moderator"},
    "appeal_new": set(),
    "appeal": set(),
    "takedown": {"staff"},
}


def state(world):
    post = Post.objects.get(pk=world["other_post"].pk)
    return (
        Flag.objects.count(),
        post.moderation_state,
        ModerationAction.objects.count(),
        Appeal.objects.count(),
        Membership.objects.filter(suspended_until__isnull=False).count(),
    )


@pytest.mark.parametrize("view", list(POSTS))
@pytest.mark.parametrize("role", ROLES)
def test_post_every_moderation_view_by_role(client, world, view, role):
    as_role(client, world, role)
    data = dict(POSTS[view])
    if data.get("username") == "__author__":
        data["username"] = world["author"].username
    before = state(world)
    response = client.post(urls(world)[view], data)
    changed = state(world) != before
    assert changed == (role in ALLOWED[view]), response.status_code
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role not in ALLOWED[view] and view != "appeal":
        assert response.status_code in (403, 400)


def test_author_may_open_the_appeal_form_for_their_own_decision(client, world):
    client.force_login(world["author"])
    response = client.get(urls(world)["appeal_new"])
    assert response.status_code == 400  # already appealed: said plainly
    assert "appeal once" in response.text


def test_members_only_community_hides_moderation_from_outsiders(client):
    community = CommunityFactory(slug="hidden", visibility="members")
    author = MembershipFactory(community=community).user
    _t, post = thread_with_post(community=community, author=author)
    client.force_login(UserFactory())
    for url in (
        reverse("moderation:home", args=["hidden"]),
        reverse("moderation:flag_post", args=["hidden", post.pk]),
        reverse("moderation:review", args=["hidden", post.pk]),
        reverse("moderation:suspend", args=["hidden"]),
        reverse("moderation:takedown", args=["hidden", post.pk]),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("moderation:takedown", args=["hidden", post.pk])).status_code == 200
