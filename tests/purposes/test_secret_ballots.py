"""Secret ballots with checkable turnout (#18, part 3): where the charter says so, nobody
sees how a member voted (not the proposer, moderators, staff, the admin, the archive, the
API, the count); who voted is listed; every ballot is published without its voter at the
close and recounts to the announced result; a voter changes their ballot with the
receipt key only they hold."""

import re

import pytest
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from members.account_data import export_user_data
from notifications.models import Notification
from portability.archive import build_archive, read_archive
from purposes.guards import ProposalError
from purposes.methods import ranked
from purposes.methods.charter import DEFAULT_METHODS, MethodsError, validate_methods
from purposes.methods.record import read_ballots_csv, to_json
from purposes.methods.result import Electorate
from purposes.models import Charter, Proposal, SecretBallot, Vote
from purposes.selectors import ballot_options
from purposes.sweep import do_sweep
from purposes.tally import Outcome, Tally, decide
from purposes.voting import check_cast_ballot, check_cast_secret, check_cast_vote
from tests.factories import MembershipFactory, UserFactory, moderator_membership

from .test_method_voting import close, in_voting_by

pytestmark = pytest.mark.django_db
SECRET_MAJORITY = {"method": "two_thirds", "secret": True}
SECRET_RANKED = {"method": "ranked", "secret": True}


def url(name, proposal, **query):
    path = reverse(f"purposes:{name}", args=[proposal.community.slug, proposal.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def secret_vote(method=SECRET_MAJORITY, **kwargs):
    return in_voting_by(method, **kwargs)


def section(body: str, element_id: str) -> str:
    """The HTML of the element with this id, up to the end of the partial it opens."""
    start = body.index(f'id="{element_id}"')
    return body[start : body.index("</section>", start)]


# --- The charter says so ----------------------------------------------------------------


def test_validate_methods_takes_a_secret_entry_and_cleans_a_not_secret_one():
    methods = DEFAULT_METHODS | {"elect": SECRET_RANKED, "remove": {"method": "majority"}}
    clean = validate_methods(methods | {"recall": {"method": "majority", "secret": False}})
    assert clean["elect"] == SECRET_RANKED
    assert clean["remove"] == "majority" and clean["recall"] == "majority"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"method": "consent", "secret": True}, "Consent cannot be decided by secret ballot"),
        ({"method": "majority", "secret": "yes"}, "must be true or false"),
        ({"method": "majority", "anonymous": True}, "“anonymous” is not part of"),
        ({"secret": True}, "none is set for electing a moderator"),
        ({"method": "dice", "secret": True}, "“dice” is not a decision method"),
    ],
)
def test_validate_methods_refuses_a_bad_secret_entry(entry, message):
    with pytest.raises(MethodsError, match=message):
        validate_methods(DEFAULT_METHODS | {"elect": entry})


def test_the_secret_is_fixed_when_voting_opens_and_a_slot_is_made_per_elector():
    community, users, proposal = secret_vote()
    assert proposal.secret and proposal.method == "two_thirds"
    assert SecretBallot.objects.filter(proposal=proposal, choice="").count() == 5
    Charter.objects.filter(pk=community.charter_id).update(methods=DEFAULT_METHODS)
    proposal.refresh_from_db()
    assert proposal.decided_in_secret()  # the running vote stays secret
    _, _, open_vote = in_voting_by("two_thirds")
    assert not open_vote.secret and not SecretBallot.objects.filter(proposal=open_vote).exists()


def test_the_page_says_the_ballot_is_secret_before_anyone_votes(client):
    community, users, proposal = secret_vote()
    body = client.get(url("proposal", proposal)).content.decode()
    assert "By secret ballot." in body
    assert "every ballot without its voter" in body
    client.force_login(users[1])
    panel = section(client.get(url("proposal", proposal)).content.decode(), "stage-title")
    assert "Secret ballot." in panel
    assert 'name="reason"' not in panel  # a reason beside a name would say how one voted


# --- Casting and changing ---------------------------------------------------------------


def test_a_secret_ballot_keeps_no_choice_beside_the_voter_and_gives_a_receipt():
    _, users, proposal = secret_vote()
    cast = check_cast_secret(actor=users[1], proposal=proposal, choice="against")
    assert re.fullmatch(r"([A-Z2-7]{4}-){5}[A-Z2-7]{4}", cast.receipt)
    vote = Vote.objects.get(user=users[1])
    assert vote.choice == Vote.Choice.SECRET and vote.ballot is None and vote.reason == ""
    filled = SecretBallot.objects.exclude(choice="").get()
    assert filled.choice == "against" and cast.receipt not in str(filled.__dict__)
    assert {f.name for f in SecretBallot._meta.get_fields()} == {
        "id", "proposal", "choice", "ballot", "receipt_hash",
    }  # fmt: skip


def test_changing_a_secret_ballot_needs_the_voters_own_receipt():
    _, users, proposal = secret_vote()
    mine = check_cast_secret(actor=users[1], proposal=proposal, choice="against").receipt
    theirs = check_cast_secret(actor=users[2], proposal=proposal, choice="for").receipt
    with pytest.raises(ProposalError, match="already cast your secret ballot"):
        check_cast_secret(actor=users[1], proposal=proposal, choice="for")
    with pytest.raises(ProposalError, match="not your receipt key"):
        check_cast_secret(actor=users[1], proposal=proposal, choice="for", receipt=theirs)
    with pytest.raises(ProposalError, match="not your receipt key"):
        check_cast_secret(actor=users[1], proposal=proposal, choice="for", receipt="nonsense")
    changed = check_cast_secret(
        actor=users[1], proposal=proposal, choice="abstain", receipt=mine.lower()
    )
    assert changed.changed and changed.receipt == mine
    filled = sorted(SecretBallot.objects.exclude(choice="").values_list("choice", flat=True))
    assert filled == ["abstain", "for"]  # changed in place: still one ballot each
    assert Vote.objects.filter(user=users[1]).count() == 2  # the turnout's history
    assert Vote.objects.filter(user=users[1], superseded_at__isnull=True).count() == 1


def test_no_named_vote_and_no_reason_under_a_secret_ballot():
    _, users, proposal = secret_vote()
    with pytest.raises(ProposalError, match="decided by secret ballot"):
        check_cast_vote(actor=users[1], proposal=proposal, choice="for")
    with pytest.raises(ProposalError, match="carries no reason"):
        check_cast_secret(actor=users[1], proposal=proposal, choice="for", reason="Because")
    with pytest.raises(ProposalError, match="Choose for, against or abstain"):
        check_cast_secret(actor=users[1], proposal=proposal, choice="maybe")
    _, users, ranked_vote = secret_vote(SECRET_RANKED, alternatives=["To share."])
    with pytest.raises(ProposalError, match="decided by secret ballot"):
        check_cast_ballot(actor=users[1], proposal=ranked_vote, ballot=["proposal"])
    with pytest.raises(ProposalError, match="more than once|twice|only once"):
        check_cast_secret(actor=users[1], proposal=ranked_vote, ballot=["keep", "keep"])
    assert not Vote.objects.exists()
    assert not SecretBallot.objects.exclude(choice="").exists()


def _cached_values() -> list[bytes]:
    """Every value in the cache as stored: the local-memory cache's own dict, or every key
    of the Redis database (the PostgreSQL leg runs with Redis)."""
    backend = cache._cache
    if isinstance(backend, dict):
        return list(backend.values())
    client = backend.get_client()
    return [value for key in client.scan_iter() if (value := client.get(key)) is not None]


def test_voting_on_the_page_sets_the_receipt_in_the_browser_only(client):
    _, users, proposal = secret_vote()
    client.force_login(users[1])
    response = client.post(url("vote", proposal), {"choice": "against"})
    assert response.status_code == 302
    receipt = response.cookies[f"commons-receipt-{proposal.pk}"]
    assert receipt["httponly"] and receipt["path"] == proposal.get_absolute_url()
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Your secret ballot is cast." in body and receipt.value in body
    assert "Your vote:" not in section(body, "stage-title")
    # Nothing kept on the server holds the key: not a session, not the cache (its values
    # are pickled: the key would be there as plain ASCII).
    for session in Session.objects.all():
        assert receipt.value not in str(session.get_decoded())
    assert all(receipt.value.encode() not in value for value in _cached_values())
    # The browser's key changes the ballot; without it the change is refused, nothing lost.
    assert client.post(url("vote", proposal), {"choice": "for"}).status_code == 302
    assert SecretBallot.objects.exclude(choice="").get().choice == "for"
    client.cookies.pop(f"commons-receipt-{proposal.pk}")
    response = client.post(url("vote", proposal), {"choice": "abstain"})
    assert response.status_code == 400
    assert "give the receipt key" in response.content.decode()
    assert 'name="receipt"' in response.content.decode()
    typo = client.post(url("vote", proposal), {"choice": "abstain", "receipt": "ABCD-EFGH"})
    assert "not your receipt key" in typo.content.decode()
    assert 'value="ABCD-EFGH"' in typo.content.decode()  # what was typed is kept
    ok = client.post(url("vote", proposal), {"choice": "abstain", "receipt": receipt.value})
    assert ok.status_code == 302
    assert SecretBallot.objects.exclude(choice="").get().choice == "abstain"


def test_an_htmx_secret_vote_shows_the_receipt_once_and_not_the_choice(client):
    _, users, proposal = secret_vote(SECRET_RANKED, alternatives=["To share."])
    client.force_login(users[1])
    response = client.post(
        url("vote", proposal), {"rank_1": "alt-1", "rank_2": "proposal"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    receipt = response.cookies[f"commons-receipt-{proposal.pk}"].value
    assert "Your secret ballot is cast." in html and receipt in html
    assert "Your vote is recorded:" not in html
    assert SecretBallot.objects.exclude(choice="").get().ballot == ["alt-1", "proposal"]


# --- After the close: turnout, published ballots, recount -------------------------------


def cast_secretly(proposal, users, choices):
    for user, choice in zip(users, choices, strict=False):
        shape = {"ballot": choice} if isinstance(choice, list) else {"choice": choice}
        check_cast_secret(actor=user, proposal=proposal, **shape)


def test_a_closed_majority_vote_recounts_from_its_published_ballots(client):
    community, users, proposal = secret_vote(count=6)
    cast_secretly(proposal, users, ["for", "for", "for", "against", "abstain"])
    proposal = close(proposal)
    assert (proposal.for_count, proposal.against_count, proposal.abstain_count) == (3, 1, 1)
    assert proposal.state == Proposal.State.PASSED
    # Published: no receipt leads to a ballot any more; the unfilled slot is not shown.
    assert not SecretBallot.objects.exclude(receipt_hash="").exists()
    csv_text = client.get(url("proposal_ballots_csv", proposal)).content.decode()
    rows = read_ballots_csv(csv_text)
    assert len(rows) == 5
    choices = [choice for _, choice, _ in rows]
    tally = Tally(
        for_count=choices.count("for"),
        against_count=choices.count("against"),
        abstain_count=choices.count("abstain"),
        electorate_size=proposal.electorate_size,
        active_electorate_size=proposal.active_electorate_size,
    )
    assert tally == proposal.tally()
    assert decide(tally=tally, rule=proposal.decision_rule()).outcome is Outcome.PASSED
    assert all(u.username not in csv_text for u in users)


def test_a_closed_ranked_vote_recounts_from_its_published_ballots(client):
    community, users, proposal = secret_vote(SECRET_RANKED, count=7, alternatives=["To share."])
    ballots = [
        ["proposal", "alt-1"],
        ["proposal", "alt-1"],
        ["proposal"],
        ["keep", "proposal"],
        ["keep"],
        ["alt-1", "proposal"],
        ["alt-1", "keep"],
    ]
    cast_secretly(proposal, users, ballots)
    proposal = close(proposal)
    assert proposal.result["method"] == "ranked" and len(proposal.result["rounds"]) > 1
    rows = read_ballots_csv(client.get(url("proposal_ballots_csv", proposal)).content.decode())
    assert sorted(content for _, _, content in rows) == sorted(ballots)
    recount = ranked.count(
        [content for _, _, content in rows],
        options=ballot_options(proposal),
        electorate=Electorate(
            size=proposal.electorate_size, active=proposal.active_electorate_size
        ),
        quorum_percent=proposal.quorum_percent,
        seed=proposal.tie_seed,
    )
    assert to_json(recount) == proposal.result
    count_csv = client.get(url("proposal_count_csv", proposal)).content.decode()
    assert all(u.username not in count_csv for u in users)


@pytest.mark.parametrize("viewer", ["proposer", "voter", "moderator", "staff", "anonymous"])
def test_the_closed_page_shows_who_voted_and_the_ballots_never_who_chose_what(client, viewer):
    community, users, proposal = secret_vote(count=5)
    cast_secretly(proposal, users[1:], ["for", "against", "for"])
    proposal = close(proposal)
    who = {
        "proposer": users[0],
        "voter": users[1],
        "moderator": moderator_membership(community=community).user,
        "staff": UserFactory(is_staff=True, is_superuser=True),
        "anonymous": None,
    }[viewer]
    if who:
        client.force_login(who)
    body = client.get(url("proposal", proposal)).content.decode()
    turnout = section(body, "votes-title")
    assert "Who voted" in turnout
    for user in users[1:4]:
        assert user.shown_name in turnout
    assert users[4].shown_name not in turnout
    assert "badge--vote" not in body
    assert not re.search(r"\b(for|against)\b", turnout.split("</h3>", 1)[1])
    ballots = section(body, "ballots-title")
    assert "3 ballots for 3 members who voted" in ballots
    assert ballots.count("<tr>") == 4  # the header and three ballots
    assert all(u.shown_name not in ballots for u in users)


def test_the_ballots_csv_is_404_until_the_close_and_for_an_open_vote(client):
    _, users, proposal = secret_vote()
    cast_secretly(proposal, users, ["for"])
    assert client.get(url("proposal_ballots_csv", proposal)).status_code == 404
    _, users, open_vote = in_voting_by("two_thirds")
    check_cast_vote(actor=users[1], proposal=open_vote, choice="for")
    assert do_sweep(now=open_vote.voting_ends_at)["closed"] == 2  # both votes
    assert client.get(url("proposal_ballots_csv", open_vote)).status_code == 404
    assert client.get(url("proposal_ballots_csv", proposal)).status_code == 200


# --- Every other place a vote could show ------------------------------------------------


def test_the_archive_lists_who_voted_and_the_ballots_apart():
    community, users, proposal = secret_vote(count=4)
    cast_secretly(proposal, users, ["for", "against", "for"])
    close(proposal)
    archive = read_archive(build_archive(community))  # verified against the schema
    votes = archive.records("votes.jsonl")
    assert {v["choice"] for v in votes} == {"secret"} and len(votes) == 3
    assert all(v["ballot"] is None and v["reason"] is None for v in votes)
    (record,) = archive.records("proposals.jsonl")
    assert record["secret"] is True
    assert sorted(b["choice"] for b in record["ballots"]) == ["against", "for", "for"]
    assert all(set(b) == {"id", "choice", "content"} for b in record["ballots"])


def test_a_members_own_data_export_says_they_voted_not_how():
    _, users, proposal = secret_vote()
    check_cast_secret(actor=users[1], proposal=proposal, choice="against")
    close(proposal)
    (vote,) = export_user_data(user=users[1])["votes"]
    assert vote["choice"] == "secret" and vote["reason"] == ""


def test_the_admin_lists_who_voted_and_has_no_page_of_ballots(client):
    _, users, proposal = secret_vote()
    check_cast_secret(actor=users[1], proposal=proposal, choice="against")
    close(proposal)
    assert SecretBallot not in admin.site._registry
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = client.get(reverse("admin:purposes_vote_changelist")).content.decode()
    assert users[1].username in body
    assert "against" not in body.lower()


def test_the_api_casts_a_secret_ballot_and_answers_with_the_receipt_only(client):
    from api.tokens import do_create_token

    community, users, proposal = secret_vote()
    token = do_create_token(user=users[1], name="t", scopes=["read", "vote"], days=9)[1]
    path = f"/api/v1/communities/{community.slug}/proposals/{proposal.pk}"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    assert client.get(path, **auth).json()["secret"] is True
    first = client.put(f"{path}/vote", {"choice": "against"}, **auth)
    assert first.status_code == 200
    assert first.json()["choice"] == "secret" and first.json()["receipt"]
    again = client.put(f"{path}/vote", {"choice": "for"}, **auth)
    assert again.status_code == 422 and "receipt key" in again.content.decode()
    changed = client.put(
        f"{path}/vote", {"choice": "for", "receipt": first.json()["receipt"]}, **auth
    )
    assert changed.status_code == 200
    assert SecretBallot.objects.exclude(choice="").get().choice == "for"


def test_no_notification_of_a_secret_vote_names_a_choice():
    community, users, proposal = secret_vote()
    MembershipFactory(community=community)
    cast_secretly(proposal, users[1:], ["for", "for", "against"])
    close(proposal)
    texts = list(Notification.objects.values_list("text", flat=True))
    assert any("Passed" in t for t in texts)
    for text in texts:
        assert not any(u.shown_name in text or u.username in text for u in users[1:])
