"""A community moved to another home is read-only everywhere: every write action of
community/, members/, purposes/ and moderation/, and the API, refuses with a message
saying where it went, and changes nothing; its pages stay readable and point there."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import actions as community_actions
from community.lifecycle import do_move_community
from community.models import Post, Thread
from members import applications, invitations, joining
from members.models import Application, Invitation, Membership
from moderation import flags, juries, review, suspensions
from moderation.appeals import check_file_appeal
from moderation.models import Appeal, Flag, JuryMember, ModerationAction, RestoreVote
from purposes import drafting, offshoots, seconds, voting
from purposes.models import Proposal
from tests.factories import MembershipFactory, UserFactory
from tests.moderation.appeal_case import Case, seats

pytestmark = pytest.mark.django_db
HOME = "https://b.example/c/orchard/"
SAID = "moved to https://b.example/c/orchard/"


@pytest.fixture
def case():
    """The appeal case (a moderator, a post kept hidden and appealed, jurors drawn), an
    invitation and an application pending, a proposal seeking seconds; then the
    community moves."""
    case = Case(others=6)
    community = case.community
    case.appeal_row = case.appeal()
    case.outsider, case.applicant = UserFactory(), UserFactory()
    case.invitation = invitations.do_invite(
        community=community, inviter=case.others[0], invitee=case.outsider
    )
    case.application = applications.do_apply(
        user=case.applicant, community=community, motivation="Me too"
    )
    case.thread, case.visible = (
        case.post.thread,
        community_actions.do_reply(
            author=case.others[1],
            thread=case.post.thread,
            parent_id=case.post.pk,
            body="Still growing apples",
        ),
    )
    case.proposal = drafting.check_create_proposal(
        actor=case.others[2], community=community, kind="remove", title="Remove",
        rationale="Spam", target=Membership.objects.get(community=community, user=case.author),
    )  # fmt: skip
    drafting.check_submit_proposal(actor=case.others[2], proposal=case.proposal)
    do_move_community(community=community, to=HOME, at=timezone.now())
    community.refresh_from_db()
    return case


def counts():
    models = (Membership, Thread, Post, Proposal, Flag, Invitation, Application,
              ModerationAction, Appeal, RestoreVote)  # fmt: skip
    state = {model.__name__: model.objects.count() for model in models}
    state["answered"] = JuryMember.objects.exclude(state=JuryMember.State.INVITED).count()
    state["accepted"] = Invitation.objects.filter(state=Invitation.State.ACCEPTED).count()
    state["decided"] = Application.objects.exclude(state=Application.State.PENDING).count()
    state["edited"] = Post.objects.filter(edited_at__isnull=False).count()
    state["seconds"] = Proposal.objects.get().seconds.count()
    return state


WRITES = {
    "start a thread": lambda c: community_actions.check_create_thread(
        actor=c.others[0], community=c.community, title="New", body="Hello"),
    "reply": lambda c: community_actions.check_reply(
        actor=c.others[0], thread=c.thread, parent_id=c.visible.pk, body="Hello"),
    "edit": lambda c: community_actions.check_edit_post(
        actor=c.others[1], post=c.visible, body="Changed"),
    "delete": lambda c: community_actions.check_delete_post(actor=c.others[1], post=c.visible),
    "join": lambda c: joining.check_join(actor=UserFactory(), community=c.community,
                                         affirmed=True),
    "apply": lambda c: applications.check_apply(actor=UserFactory(), community=c.community,
                                                motivation="Me", affirmed=True),
    "decide an application": lambda c: applications.check_decide_application(
        actor=c.mod, application=c.application, admit=True),
    "invite": lambda c: invitations.check_invite(
        actor=c.others[0], community=c.community, username=UserFactory().username),
    "accept an invitation": lambda c: invitations.check_accept_invitation(
        actor=c.outsider, invitation=c.invitation, affirmed=True),
    "affirm the charter": lambda c: joining.check_affirm_charter(
        actor=c.others[0], community=c.community),
    "propose": lambda c: drafting.check_create_proposal(
        actor=c.others[0], community=c.community, kind="dissolve", title="End",
        rationale="Done"),
    "second": lambda c: seconds.check_second_proposal(actor=c.others[3], proposal=c.proposal),
    "withdraw a proposal": lambda c: drafting.check_withdraw_proposal(
        actor=c.others[2], proposal=c.proposal),
    "vote": lambda c: voting.check_cast_vote(actor=c.others[0], proposal=c.proposal,
                                             choice="for"),
    "start an offshoot": lambda c: offshoots.check_start_offshoot(
        actor=c.others[0], parent=c.community, name="Orchard 2", slug="orchard-2",
        tagline="", visibility="public", charter={}),
    "flag": lambda c: flags.check_flag_post(actor=c.others[0], post=c.visible, reason="spam"),
    "review": lambda c: review.check_review_post(actor=c.mod, post=c.post, decision="restore"),
    "vote to restore": lambda c: review.check_vote_restore(actor=c.others[0], post=c.post),
    "suspend": lambda c: suspensions.check_suspend_member(
        actor=c.mod, community=c.community, username=c.others[0].username, days=3,
        reason="Rude"),
    "appeal": lambda c: check_file_appeal(actor=c.author, decision=c.decision,
                                          statement="Again"),
    "answer a jury seat": lambda c: juries.check_answer_jury(
        actor=seats(c.appeal_row)[0].user, appeal=c.appeal_row, accept=True),
    "vote on a jury": lambda c: juries.check_cast_jury_vote(
        actor=seats(c.appeal_row)[0].user, appeal=c.appeal_row, vote="reverse"),
}  # fmt: skip


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_every_write_is_refused_in_a_moved_community_and_changes_nothing(case, write):
    before = counts()
    with pytest.raises((PermissionDenied, ValidationError)) as refused:
        WRITES[write](case)
    error = refused.value
    said = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    assert SAID in said
    assert counts() == before


def test_leaving_and_a_staff_takedown_stay_possible_in_a_moved_community(case):
    from moderation.takedowns import check_take_down

    membership = joining.check_leave(actor=case.others[0], community=case.community)
    assert membership.left_at is not None
    staff = UserFactory(is_staff=True)
    check_take_down(actor=staff, post=case.visible, reason="A court order")
    case.visible.refresh_from_db()
    assert case.visible.is_taken_down  # the one staff power (R2) still answers the law


HOME_PATH = "/c/orchard/"


def viewers(case):
    staff = UserFactory(is_staff=True)
    return {"anonymous": None, "non-member": UserFactory(), "member": case.others[0],
            "moderator": case.mod, "staff": staff}  # fmt: skip


def test_home_and_thread_show_where_it_continues_to_everyone(client, case):
    for role, user in viewers(case).items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in (HOME_PATH, case.thread.get_absolute_url()):
            response = client.get(path)
            text = response.content.decode()
            assert response.status_code == 200, (role, path)
            assert "This community continues at" in text, (role, path)
            assert f'<a href="{HOME}" rel="noopener">{HOME}</a>' in text, (role, path)
            assert "Start a thread" not in text and 'name="body"' not in text, (role, path)
        thread = client.get(case.thread.get_absolute_url()).content.decode()
        assert "Still growing apples" in thread  # the threads stay readable


def test_posting_through_the_pages_is_refused_with_the_reason(client, case):
    client.force_login(case.others[0])
    before = counts()
    reply = client.post(f"/c/orchard/t/{case.thread.pk}/reply/",
                        {"body": "Still here?", "parent": case.visible.pk})  # fmt: skip
    assert reply.status_code in (400, 403) and SAID in reply.content.decode()
    new = client.post("/c/orchard/t/new/", {"title": "Hi", "body": "Hello"})
    assert new.status_code in (400, 403) and SAID in new.content.decode()
    client.force_login(UserFactory())
    join = client.get("/c/orchard/join/")
    assert "Moved to a new home" in join.content.decode() and HOME in join.content.decode()
    assert counts() == before


def test_the_api_refuses_writes_with_the_reason(client, case):
    from api.tokens import do_create_token

    member = MembershipFactory(community=case.community).user
    _token, secret = do_create_token(user=member, name="t", scopes=["write"], days=30)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    before = counts()
    outsider = UserFactory()
    _token, outsider_secret = do_create_token(user=outsider, name="t", scopes=["write"], days=30)
    joined = client.post("/api/v1/communities/orchard/join",
                         {"charter_version": case.community.charter.version},
                         content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {outsider_secret}")  # fmt: skip
    assert joined.status_code in (400, 403, 409, 422) and "moved to" in joined.content.decode()
    for path, body in (
        ("/api/v1/communities/orchard/threads", {"title": "Hi", "body": "Hello"}),
        (f"/api/v1/communities/orchard/threads/{case.thread.pk}/posts",
         {"body": "Hello", "parent_id": case.visible.pk}),
        ("/api/v1/communities/orchard/proposals",
         {"kind": "dissolve", "title": "End", "rationale": "Done"}),
    ):  # fmt: skip
        response = client.post(path, body, content_type="application/json", **auth)
        assert response.status_code in (400, 403, 409, 422), (path, response.status_code)
        assert "moved to" in response.content.decode(), path
    assert counts() == before


def test_the_api_drafts_a_move_and_says_where_a_community_went(client):
    from api.tokens import do_create_token
    from tests.factories import CommunityFactory

    community = CommunityFactory(slug="growers")
    member = MembershipFactory(community=community).user
    secret = do_create_token(user=member, name="t", scopes=["write", "read"], days=30)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = {"kind": "move", "title": "Move", "rationale": "Ours now", "new_home": "ftp://x"}
    path = "/api/v1/communities/growers/proposals"
    refused = client.post(path, body, content_type="application/json", **auth)
    assert refused.status_code == 422 and "https" in refused.content.decode()
    made = client.post(path, body | {"new_home": HOME}, content_type="application/json", **auth)
    assert made.status_code == 201 and made.json()["new_home"] == HOME
    do_move_community(community=community, to=HOME, at=timezone.now())
    listed = client.get("/api/v1/communities", **auth).json()
    assert [c["moved_to"] for c in listed if c["slug"] == "growers"] == [HOME]
