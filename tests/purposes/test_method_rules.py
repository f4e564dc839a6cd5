"""Changing how a community decides is itself a change of rules (issue 18): the charter's
decision methods and ``amendments_to_vote`` are rules a proposal changes, decided by the
method in force; the diff says the change in words; founding, the API and the archive
carry them."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portability.archive import build_archive, read_archive
from portability.importing import do_import_community
from purposes.charter_diff import CharterText, diff_rules
from purposes.drafting import ProposalError, check_create_proposal, check_submit_proposal
from purposes.founding_forms import CharterForm
from purposes.methods.charter import DEFAULT_METHODS
from purposes.models import Charter, Proposal, rule_labels
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.validation import RULE_BOUNDS
from purposes.voting import check_cast_vote
from tests.factories import community_with_members

pytestmark = pytest.mark.django_db

RANKED_SECRET = DEFAULT_METHODS | {"purpose": {"method": "ranked", "secret": True}}


def propose_rules(community, members, **changes) -> Proposal:
    """A rules change, submitted and seconded into discussion."""
    text = community.charter.text()
    proposal = check_create_proposal(
        actor=members[0].user,
        community=community,
        kind=Proposal.Kind.CHANGE_RULES,
        title="How we decide",
        rationale="Rank wordings of the purpose.",
        proposed=CharterText(purpose=text.purpose, goals=text.goals, rules=text.rules | changes),
    )
    now = timezone.now()
    check_submit_proposal(actor=members[0].user, proposal=proposal, now=now)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal, now=now)
    return proposal


def vote_and_close(proposal, members, choices):
    now = timezone.now()
    do_sweep(now=now + timedelta(days=3, minutes=1))
    for member, choice in zip(members, choices, strict=True):
        check_cast_vote(
            actor=member.user, proposal=proposal, choice=choice, now=now + timedelta(days=4)
        )
    do_sweep(now=now + timedelta(days=11))
    proposal.refresh_from_db()
    proposal.community.refresh_from_db()


def test_passed_rules_change_applies_the_new_methods_and_amendments_to_vote():
    community, members = community_with_members(4)
    proposal = propose_rules(community, members, methods=RANKED_SECRET, amendments_to_vote=True)
    assert proposal.rules["methods"] == RANKED_SECRET
    vote_and_close(proposal, members, ["for"] * 4)
    charter = proposal.community.charter
    assert proposal.state == "passed" and charter.version == 2
    assert charter.methods == RANKED_SECRET and charter.amendments_to_vote is True
    assert charter.method_for("purpose").name == "ranked" and charter.secret_for("purpose")
    assert charter.seconds_required == 2  # the rest as it was


def test_rules_change_is_decided_by_the_method_in_force_not_the_proposed_one():
    # In force: two thirds for changes of rules. Proposed: a simple majority for them.
    community, members = community_with_members(5)
    proposal = propose_rules(community, members, methods=DEFAULT_METHODS | {"rules": "majority"})
    # 3 for, 2 against: a simple majority, not two thirds.
    vote_and_close(proposal, members, ["for", "for", "for", "against", "against"])
    assert proposal.method == "two_thirds"
    assert proposal.state == "failed"
    assert proposal.community.charter.version == 1
    assert proposal.community.charter.methods == DEFAULT_METHODS


def test_the_action_refuses_methods_that_leave_a_kind_without_one():
    community, members = community_with_members(3)
    text = community.charter.text()
    methods = {k: v for k, v in DEFAULT_METHODS.items() if k != "move"}
    with pytest.raises(ProposalError, match="none is set for moving to another home"):
        check_create_proposal(
            actor=members[0].user,
            community=community,
            kind=Proposal.Kind.CHANGE_RULES,
            title="No move",
            rationale="r",
            proposed=CharterText(text.purpose, text.goals, text.rules | {"methods": methods}),
        )
    assert not Proposal.objects.exists()


def test_diff_shows_a_change_of_method_in_words():
    old = {"methods": DEFAULT_METHODS, "amendments_to_vote": False}
    new = {"methods": DEFAULT_METHODS | {"rules": {"method": "ranked", "secret": True}},
           "amendments_to_vote": True}  # fmt: skip
    rows = [(c.field, c.label, c.old, c.new) for c in diff_rules(old, new, rule_labels())]
    assert rows == [
        ("methods", "changing the rules: decided by", "Two-thirds majority",
         "Ranked choice, secret ballot"),
        ("amendments_to_vote", "declined amendments may be put to the vote", "no", "yes"),
    ]  # fmt: skip


def form_data(charter, **changes):
    data = {"kind": "rules", "title": "Rank the purpose", "rationale": "Several wordings."}
    data |= {"join_policy": charter.join_policy}
    data |= {name: getattr(charter, name) for name in RULE_BOUNDS}
    data |= {f"method_{kind}": name for kind, name in DEFAULT_METHODS.items()}
    return data | changes


def checkbox(body: str, name: str) -> str:
    return re.search(rf'<input type="checkbox" name="{name}"[^>]*>', body).group(0)


def new_proposal_url(community):
    return reverse("purposes:proposal_new", kwargs={"slug": community.slug}) + "?kind=rules"


def test_proposal_form_proposes_ranked_choice_and_the_page_shows_it_in_words(client):
    community, members = community_with_members(3)
    client.force_login(members[0].user)
    page = client.get(new_proposal_url(community)).content.decode()
    assert 'name="method_purpose"' in page and 'name="secret_purpose"' in page
    data = form_data(community.charter, method_purpose="ranked", secret_purpose="on")
    response = client.post(new_proposal_url(community), data)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert proposal.rules["methods"]["purpose"] == {"method": "ranked", "secret": True}
    body = client.get(proposal.get_absolute_url()).content.decode()
    assert "amending the purpose and goals: decided by" in body.lower()
    assert "Ranked choice, secret ballot" in body and "{&#x27;method&#x27;" not in body


def test_proposal_form_refuses_a_secret_consent_and_keeps_what_was_typed(client):
    community, members = community_with_members(3)
    client.force_login(members[0].user)
    data = form_data(community.charter, method_elect="consent", secret_elect="on", voting_days=9)
    response = client.post(new_proposal_url(community), data)
    body = response.content.decode()
    assert response.status_code == 400 and not Proposal.objects.exists()
    assert "Consent cannot be decided by secret ballot (for electing a moderator)" in body
    assert '<option value="consent" selected>' in body
    assert "checked" in checkbox(body, "secret_elect")
    assert 'value="9"' in body


def test_proposal_form_starts_from_the_methods_in_force(client):
    community, members = community_with_members(3)
    Charter.objects.filter(pk=community.charter_id).update(methods=RANKED_SECRET)
    client.force_login(members[0].user)
    body = client.get(new_proposal_url(community)).content.decode()
    assert '<option value="ranked" selected>' in body
    assert "checked" in checkbox(body, "secret_purpose")
    assert "checked" not in checkbox(body, "secret_rules")


def test_members_only_may_propose_a_change_of_method(client, django_user_model):
    community, _members = community_with_members(3)
    staff = django_user_model.objects.create_user("staffer", "s@example.org", "pw", is_staff=True)
    client.force_login(staff)
    data = form_data(community.charter, method_purpose="ranked")
    assert client.post(new_proposal_url(community), data).status_code == 404
    assert not Proposal.objects.exists()


def test_founding_form_defaults_to_todays_methods_and_may_set_them():
    data = {"purpose": "P", "goals": "One", "join_policy": "open"}
    data |= {name: Charter._meta.get_field(name).default for name in RULE_BOUNDS}
    form = CharterForm(data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["methods"] == DEFAULT_METHODS
    assert form.cleaned_data["amendments_to_vote"] is False
    form = CharterForm(data=data | {"method_purpose": "ranked", "secret_purpose": "on",
                                    "amendments_to_vote": "on"})  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.cleaned_data["methods"] == RANKED_SECRET
    assert form.cleaned_data["amendments_to_vote"] is True
    bad = CharterForm(data=data | {"method_remove": "consent", "secret_remove": "on"})
    assert not bad.is_valid() and "secret_remove" in bad.errors


def test_archive_carries_the_methods_and_an_import_keeps_them():
    community, members = community_with_members(4)
    proposal = propose_rules(community, members, methods=RANKED_SECRET, amendments_to_vote=True)
    vote_and_close(proposal, members, ["for"] * 4)
    archive = read_archive(build_archive(proposal.community))
    charters = archive.records("charters.jsonl")
    assert charters[0]["rules"]["methods"] == DEFAULT_METHODS
    assert charters[-1]["rules"]["methods"] == RANKED_SECRET
    assert charters[-1]["rules"]["amendments_to_vote"] is True
    assert {"field": "methods", "old": "Two-thirds majority",
            "new": "Ranked choice, secret ballot"} in charters[-1]["diff"]["rules"]  # fmt: skip
    imported, made = do_import_community(archive=archive, slug="imported-garden")
    assert made and imported.charter.methods == RANKED_SECRET
    assert imported.charter.amendments_to_vote is True


def test_charter_page_says_how_each_kind_is_decided(client):
    community, _members = community_with_members(3)
    Charter.objects.filter(pk=community.charter_id).update(methods=RANKED_SECRET)
    body = client.get(reverse("purposes:charter", kwargs={"slug": community.slug})).content
    text = body.decode()
    assert "Amending the purpose and goals: ranked choice, secret ballot." in text
    assert "Changing the rules: two-thirds majority." in text
    assert "An amendment its proposer declined is not put to the vote." in text


def test_charter_and_kind_chooser_never_promise_two_thirds_the_charter_changed():
    """After a change of method, no page still says the old threshold: the charter states
    only the quorums in sentences, and the kind chooser says each kind's method in force."""
    community, members = community_with_members(3)
    changed = DEFAULT_METHODS | {"purpose": "consent", "dissolve": "majority"}
    Charter.objects.filter(pk=community.charter_id).update(methods=changed)
    client = Client()
    client.force_login(members[0].user)
    charter = client.get(reverse("purposes:charter", kwargs={"slug": community.slug}))
    text = " ".join(charter.content.decode().split())
    assert "two thirds" not in text
    assert "Amending the purpose and goals: consent." in text
    assert "Dissolving the community: simple majority." in text
    assert (
        f"at least {community.charter.quorum_percent} % of active members vote on it, or "
        f"{community.charter.major_quorum_percent} % for a change of purpose or rules"
    ) in text
    kinds = client.get(reverse("purposes:proposal_new", kwargs={"slug": community.slug}))
    text = " ".join(kinds.content.decode().split())
    assert "two thirds" not in text.lower()
    assert "Edit a copy of the purpose statement and the goals. Decided by consent." in text
    assert "It becomes a read-only archive. Decided by simple majority." in text
    assert "Change the rules</strong>" in text and "Decided by two-thirds majority." in text


def test_a_purpose_change_decided_by_simple_majority_says_so_before_voting_opens():
    """Its page during discussion named the method in force and, beside it, the two-thirds
    threshold of the default: the rule shown must be the one the vote will use."""
    community, members = community_with_members(4)
    Charter.objects.filter(pk=community.charter_id).update(
        methods=DEFAULT_METHODS | {"purpose": "majority"}
    )
    community.refresh_from_db()
    proposal = check_create_proposal(
        actor=members[0].user, community=community, kind=Proposal.Kind.AMEND_PURPOSE,
        title="Plainer words", rationale="Shorter.",
        proposed=CharterText(purpose="To grow food together.", goals=["Share seeds"],
                             rules=community.charter.text().rules),
    )  # fmt: skip
    client = Client()
    client.force_login(members[0].user)
    url = reverse("purposes:proposal", args=[community.slug, proposal.pk])
    text = " ".join(client.get(url).content.decode().split())
    assert "Decided by simple majority." in text
    assert "Needs more votes for than against" in text and "two thirds" not in text
    assert proposal.decision_rule(community.charter).threshold == "majority"
