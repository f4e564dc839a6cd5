"""The "move to another home" proposal: its new address, the rule that decides it, and
what passing it does (the community moved and read-only, nothing deleted)."""

import pytest

from community.models import Post, Thread
from purposes.guards import ProposalError
from purposes.methods.charter import DEFAULT_METHODS
from purposes.models import Proposal
from tests.factories import community_with_members, thread_with_post

from .test_proposals import draft
from .test_votes import _pass

pytestmark = pytest.mark.django_db
State = Proposal.State
HOME = "https://b.example/c/growers/"


def move(community, author, new_home=HOME, **kwargs):
    return draft(community, author, kind=Proposal.Kind.MOVE, proposed=None,
                 title="Move to B", new_home=new_home, **kwargs)  # fmt: skip


def test_check_create_proposal_keeps_a_moves_https_new_home():
    community, members = community_with_members(3)
    proposal = move(community, members[0].user, new_home=f"  {HOME} ")
    assert proposal.kind == "move" and proposal.new_home == HOME
    assert proposal.is_major and not proposal.is_charter_change


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("", "Give the address of the new home"),
        ("http://b.example/c/growers/", "full https address"),
        ("javascript:alert(1)", "full https address"),
        ("b.example/c/growers", "full https address"),
        ("https://" + "a" * 500 + ".example/", "500 characters or fewer"),
    ],
)
def test_check_create_proposal_refuses_a_move_without_an_https_address(address, said):
    community, members = community_with_members(3)
    with pytest.raises(ProposalError, match=said):
        move(community, members[0].user, new_home=address)
    assert not Proposal.objects.exists()


def test_other_kinds_carry_no_new_home():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user, new_home=HOME)
    assert proposal.new_home == ""


def test_a_move_is_decided_like_dissolving_two_thirds_and_the_major_quorum():
    community, members = community_with_members(3)
    assert community.charter.methods["move"] == DEFAULT_METHODS["dissolve"] == "two_thirds"
    rule = move(community, members[0].user).decision_rule()
    assert rule.quorum_percent == community.charter.major_quorum_percent == 40
    assert rule.threshold == "two_thirds"


def test_passing_a_move_moves_the_community_and_deletes_nothing():
    community, members = community_with_members(3)
    thread, _post = thread_with_post(community=community, author=members[1].user)
    other = draft(community, members[1].user, title="Another idea")
    proposal = _pass(move(community, members[0].user), members)
    community.refresh_from_db()
    other.refresh_from_db()
    assert proposal.state == State.PASSED and proposal.applied_at == community.moved_at
    assert community.is_moved and community.moved_to == HOME and community.is_read_only
    assert community.is_active and not community.is_dissolved  # not dissolved: moved
    assert other.state == State.WITHDRAWN and HOME in other.result_reason
    # Nothing deleted: the thread, its posts and the proposal's own discussion stay.
    assert Thread.objects.filter(pk=thread.pk).exists()
    assert Post.objects.filter(thread__community=community).count() >= 2


def test_a_failed_move_changes_nothing():
    from purposes.drafting import check_submit_proposal
    from purposes.seconds import check_second_proposal
    from purposes.sweep import do_sweep
    from purposes.voting import check_cast_vote

    community, members = community_with_members(3)
    proposal = move(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal)
    proposal.refresh_from_db()
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    check_cast_vote(actor=members[0].user, proposal=proposal, choice="for")
    for m in members[1:]:
        check_cast_vote(actor=m.user, proposal=proposal, choice="against")
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    community.refresh_from_db()
    assert proposal.state == State.FAILED and not community.is_moved


def test_proposal_pages_offer_and_show_a_move(client):
    community, members = community_with_members(3)
    client.force_login(members[0].user)
    kinds = client.get(f"/c/{community.slug}/proposals/new/").content.decode()
    assert "?kind=move" in kinds and "Move to another home" in kinds
    url = f"/c/{community.slug}/proposals/new/?kind=move"
    bad = {"kind": "move", "title": "Move", "rationale": "Cheaper there.",
           "new_home": "http://b.example/"}  # fmt: skip
    response = client.post(url, bad)
    text = response.content.decode()
    assert response.status_code == 400 and "https" in text
    assert 'value="Cheaper there."' in text or "Cheaper there." in text  # nothing lost
    assert not Proposal.objects.exists()
    response = client.post(url, bad | {"new_home": HOME})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and proposal.new_home == HOME
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert HOME in page and "read-only" in page
