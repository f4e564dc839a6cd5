"""Names cannot be spoofed: one cleaning rule (core.text) strips bidi overrides,
controls and invisible characters from every user-supplied field, wherever the row is
saved; and "@username" stands beside a display name wherever one could pass for another
member (post author lines, the vote reasons, the member lists)."""

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from community import actions
from community.models import Community
from core.fields import CleanCharField, CleanTextField, LineField
from members.models import User
from moderation.models import ModerationAction
from purposes.models import Vote
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.purposes.test_votes import in_voting

pytestmark = pytest.mark.django_db

RLO = "\u202e"
SPOOF = f"Alice{RLO}gnp.exe\u2066\u200b\x1b"

# Text columns no person types: ids, paths, tokens, states, rendered HTML, URLs.
NOT_TYPED = {
    "community.Community.slug", "community.Community.visibility", "community.Community.state",
    "notifications.Notification.url", "notifications.Notification.kind",
    "notifications.Notification.delivery",
    "community.Post.path", "community.Post.body_html", "community.Post.client_token",
    "community.Post.moderation_state", "community.PostRevision.body_html",
    "members.Avatar.content_type",
}  # fmt: skip


def typed_text_fields():
    for app in ("community", "members", "purposes", "moderation", "notifications", "engagement"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, models.CharField | models.TextField):
                    continue
                if field.choices or not field.editable or field.name.endswith("_key"):
                    continue
                name = f"{app}.{model.__name__}.{field.name}"
                if name in NOT_TYPED or (app == "members" and model is User and field.name in {
                    "username", "password", "first_name", "last_name", "email"
                }):  # fmt: skip
                    continue
                yield name, field


def test_every_typed_text_field_applies_the_cleaning_rule_item_6():
    fields = dict(typed_text_fields())
    assert len(fields) >= 25, sorted(fields)
    plain = [
        name
        for name, field in fields.items()
        if not isinstance(field, LineField | CleanTextField | CleanCharField)
    ]
    # The remaining fields hold computed values (a stage, a threshold, a frequency name).
    assert set(plain) <= {
        "community.Thread.slug",
        "engagement.EngagementWatermark.name",
        "engagement.EngagementSnapshot.stage",
        "notifications.DigestSent.frequency",
        "purposes.Proposal.threshold",
        "purposes.Proposal.method",  # a method's name, from the charter
        "purposes.Proposal.tie_seed",  # random hex, made when voting opens
        "purposes.SecretBallot.choice",  # for / against / abstain / ballot, checked by voting
        "purposes.SecretBallot.receipt_hash",  # a SHA-256 in hex
    }, plain


def test_bidi_overrides_are_stripped_from_names_charters_and_reasons_item_6(client):
    community, members, proposal = in_voting()
    voter = members[3].user
    client.force_login(voter)
    client.post(
        reverse("members:profile_edit", args=[voter.username]),
        {"display_name": SPOOF, "bio": f"bio {RLO}x"},
    )
    client.post(
        reverse("purposes:vote", args=[community.slug, proposal.pk]),
        {"choice": "for", "reason": f"because {RLO}reversed"},
    )
    voter.refresh_from_db()
    assert voter.display_name == "Alicegnp.exe" and RLO not in voter.bio
    vote = Vote.objects.get(user=voter, superseded_at__isnull=True)
    assert vote.reason == "because reversed"
    # Model level, whatever saves the row.
    community.name, community.tagline = f"Kitchen{RLO}", f"Soup {RLO}and stew"
    community.save()
    charter = community.charter
    charter.purpose = f"To cook{RLO} together"
    charter.save()
    community.refresh_from_db()
    charter.refresh_from_db()
    assert RLO not in community.name + community.tagline + charter.purpose
    entry = ModerationAction(community=community, kind="hide", reason=f"spam{RLO}")
    assert ModerationAction._meta.get_field("reason").pre_save(entry, True) == "spam"


def test_a_display_name_cannot_pass_for_another_member_item_6(client):
    community, members, proposal = in_voting()
    real = members[0].user
    impostor = members[3].user
    User.objects.filter(pk=impostor.pk).update(display_name=real.username)
    Vote.objects.create(proposal=proposal, user=impostor, choice="for", reason="Trust me")
    thread = actions.check_create_thread(
        actor=User.objects.get(pk=impostor.pk), community=community, title="Hi", body="Me"
    )
    client.force_login(members[1].user)
    for url in (
        thread.get_absolute_url(),
        reverse("purposes:proposal", args=[community.slug, proposal.pk]),
        reverse("members:members", args=[community.slug]),
    ):
        page = client.get(url).content.decode()
        assert f"@{impostor.username}" in page, url


def test_community_directory_and_member_names_keep_no_override_item_6():
    community = CommunityFactory(name=f"Garden{RLO}", tagline=f"{RLO}x")
    assert Community.objects.get(pk=community.pk).name == "Garden"
    user = UserFactory(display_name=f"{RLO}Bob")
    assert User.objects.get(pk=user.pk).display_name == "Bob"
    MembershipFactory(community=community, user=user)
    assert RLO not in Client().get(reverse("community:directory")).content.decode()
