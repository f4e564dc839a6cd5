"""Hostile input through every text field shown back, beyond thread titles and post bodies
(test_xss_threads.py): display names, bios, community names and taglines, charter purposes
and goals, proposal titles and rationales, vote reasons, application motivations, flag
notes, moderation reasons, appeal statements, suspension reasons, and usernames.

The values are written straight into the rows (no form trims them), a dozen at a time,
then every page that shows them is fetched and parsed: nothing live may come back
(``live_content``: no script, no on* or style attribute, no active element, no
javascript:/data: URL). Every payload of the corpus goes through every field.
"""

import re
import time

import pytest
from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from community.models import Community, Post
from core.fields import CleanCharField, CleanTextField, LineField
from members.applications import check_apply
from members.models import Application, Membership, User
from moderation.models import Flag, ModerationAction
from purposes.guards import ProposalError
from purposes.models import Charter, Proposal, Vote
from purposes.voting import do_cast_vote
from tests.factories import CommunityFactory, UserFactory
from tests.security.payloads import (
    BIDI,
    CONFUSABLE_USERNAMES,
    CONTROL,
    PATHOLOGICAL_MARKDOWN,
    load_payloads,
)
from tests.security.test_hardening_spoofing import typed_text_fields
from tests.security.test_xss_threads import live_content
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

BATCH = 12


def chunks(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@pytest.fixture(scope="module")
def payloads():
    corpus = load_payloads()
    assert len(corpus) >= 1000
    # PostgreSQL stores no NUL character (forms strip them): everything else goes in as is.
    return [CANARY, *(payload.replace("\x00", "") for payload in corpus)]


@pytest.fixture
def stage():
    """The security world, with a dozen of everything that carries text."""
    world = build_world()
    inner = world.inner
    members = list(
        User.objects.filter(
            memberships__community=inner, memberships__left_at__isnull=True
        ).order_by("pk")
    )[:BATCH]
    communities = [CommunityFactory(slug=f"hostile-{i}") for i in range(BATCH)]
    proposal = world.objects["proposal"]
    clones = []
    for _ in range(BATCH):
        clone = Proposal.objects.get(pk=proposal.pk)
        clone.pk = None
        clone.save()
        clones.append(clone)
    voters = [
        m.user for m in Membership.objects.current().filter(community=inner).select_related("user")
    ]
    for user in voters:
        try:
            do_cast_vote(user=user, proposal=proposal, choice="for", reason="ok")
        except ProposalError:  # not in the electorate: a late joiner
            continue
    applications = [world.objects["application"]]
    for i in range(BATCH - 1):
        applications.append(
            check_apply(actor=UserFactory(), community=inner, motivation=f"m{i}", affirmed=True)
        )
    hidden = world.objects["hidden"]
    for user in members:
        Flag.objects.get_or_create(post=hidden, flagger=user, defaults={"reason": "other"})
    decision = world.objects["decision"]
    for _ in range(BATCH - 1):
        entry = ModerationAction.objects.get(pk=decision.pk)
        entry.pk = None
        entry.save()
    moderator = Client()
    moderator.force_login(world.users["moderator"])
    return {
        "world": world,
        "members": members,
        "communities": communities,
        "proposals": clones,
        "proposal": proposal,
        "applications": applications,
        "hidden": hidden,
        "client": moderator,
    }


CANARY = "Canary7 <i>x</i>"


def assert_nothing_live(client, urls, field, batch):
    """Every page answers 200 with nothing live. The first batch starts with a harmless
    canary that must show up escaped somewhere, so a field that is not shown at all
    cannot pass unnoticed."""
    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        bodies.append(response.content.decode())
        problems = live_content(bodies[-1])
        assert problems == [], (field, url, problems, batch)
    if batch[0] == CANARY:
        assert any("Canary7 &lt;i&gt;x&lt;/i&gt;" in body for body in bodies), field


def test_names_and_bios_leave_nothing_live(stage, payloads):
    world, client = stage["world"], stage["client"]
    thread = world.objects["thread"]
    for batch in chunks(payloads):
        for user, payload in zip(stage["members"], batch, strict=False):
            User.objects.filter(pk=user.pk).update(display_name=payload[:80], bio=payload)
        urls = [
            reverse("members:members", args=["inner"]),
            thread.get_absolute_url(),
            reverse("moderation:home", args=["inner"]),
            reverse("purposes:proposal", args=["inner", stage["proposal"].pk]),
            reverse("members:profile", args=[stage["members"][0].username]),
        ]
        assert_nothing_live(client, urls, "display_name/bio", batch)


def test_community_names_taglines_and_charters_leave_nothing_live(stage, payloads):
    client = stage["client"]
    for batch in chunks(payloads):
        urls = [reverse("community:directory"), "/"]
        for community, payload in zip(stage["communities"], batch, strict=False):
            Community.objects.filter(pk=community.pk).update(
                name=payload[:80] or "x", tagline=payload[:160]
            )
            Charter.objects.filter(pk=community.charter_id).update(
                purpose=payload, goals=[payload, payload[:40]]
            )
            urls += [
                reverse("community:home", args=[community.slug]),
                reverse("purposes:charter", args=[community.slug]),
            ]
        assert_nothing_live(client, urls, "community/charter", batch)


def test_proposals_and_vote_reasons_leave_nothing_live(stage, payloads):
    client = stage["client"]
    proposal = stage["proposal"]
    votes = list(Vote.objects.filter(proposal=proposal, superseded_at__isnull=True))
    assert len(votes) >= 10
    for batch in chunks(payloads):
        urls = [
            reverse("purposes:proposals", args=["inner"]),
            reverse("purposes:proposal", args=["inner", proposal.pk]),
            "/",
        ]
        for clone, vote, payload in zip(stage["proposals"], votes, batch, strict=False):
            Proposal.objects.filter(pk=clone.pk).update(
                title=payload[:140] or "x", rationale=payload, purpose=payload
            )
            Vote.objects.filter(pk=vote.pk).update(reason=payload[:500])
            urls.append(reverse("purposes:proposal", args=["inner", clone.pk]))
        assert_nothing_live(client, urls, "proposal/vote reason", batch)


def test_motivations_flags_and_moderation_text_leave_nothing_live(stage, payloads):
    client, world = stage["client"], stage["world"]
    hidden = stage["hidden"]
    flags = list(Flag.objects.filter(post=hidden))
    entries = list(ModerationAction.objects.filter(community=world.inner))
    appeal = world.objects["appeal"]
    suspended = Membership.objects.current().get(user=world.users["suspended"])
    for batch in chunks(payloads):
        for application, payload in zip(stage["applications"], batch, strict=False):
            Application.objects.filter(pk=application.pk).update(motivation=payload)
        for flag, payload in zip(flags, batch, strict=False):
            Flag.objects.filter(pk=flag.pk).update(note=payload[:500], charter_point=payload[:500])
        for entry, payload in zip(entries, batch, strict=False):
            ModerationAction.objects.filter(pk=entry.pk).update(reason=payload[:1000])
        joined = "\n".join(batch)
        type(appeal).objects.filter(pk=appeal.pk).update(statement=joined[:2000])
        Membership.objects.filter(pk=suspended.pk).update(suspension_reason=batch[0][:500])
        urls = [
            reverse("members:applications", args=["inner"]),
            reverse("members:application", args=["inner", stage["applications"][0].pk]),
            reverse("moderation:home", args=["inner"]),
            reverse("moderation:review", args=["inner", hidden.pk]),
            reverse("moderation:appeal", args=["inner", appeal.pk]),
            reverse("members:members", args=["inner"]),
        ]
        assert_nothing_live(client, urls, "motivation/flag/moderation", batch)
    own = Client()
    own.force_login(world.users["suspended"])
    assert_nothing_live(own, [world.inner.get_absolute_url()], "suspension reason", batch)


USERNAME = re.compile(r"^[\w.@+-]+\Z")


def test_usernames_are_refused_unless_plain(payloads):
    """Usernames appear in URLs and pages: allauth refuses everything but letters,
    digits and . @ + - _, so no payload can become a username that does anything."""
    adapter = get_adapter()
    accepted = []
    for payload in payloads:
        try:
            accepted.append(adapter.clean_username(payload[:150]))
        except ValidationError:
            continue
    assert all(USERNAME.match(name) for name in accepted), accepted
    assert len(accepted) < len(payloads) / 10


def test_signup_with_a_hostile_username_echoes_nothing_live(client, payloads):
    url = reverse("account_signup")
    for payload in payloads[::25]:
        response = client.post(
            url,
            {
                "username": payload,
                "email": "someone@example.org",
                "password1": "a long enough passphrase 1",
                "password2": "a long enough passphrase 1",
            },
        )
        assert response.status_code in {200, 302, 429}
        assert live_content(response.content.decode()) == [], payload


def test_one_megabyte_bodies_are_refused_quickly_with_nothing_stored(client):
    """1 MB through the biggest text fields: a 400 (form kept) or 413, in bounded time,
    never a 500, and nothing that size reaches the database."""
    world = build_world()
    big = ("A long line of text with *emphasis* and [links](https://x.org). " * 16500)[:1_000_000]
    client.force_login(world.users["member"])
    thread = world.objects["thread"]
    posts = [
        (reverse("community:thread_new", args=["inner"]), {"title": "Big", "body": big}),
        (
            reverse("community:reply", args=["inner", thread.pk]),
            {"parent": world.objects["post"].pk, "body": big, "token": "big"},
        ),
        (reverse("members:profile_edit", args=["member"]), {"display_name": "M", "bio": big}),
        (reverse("community:preview", args=["inner"]), {"body": big}),
        (
            reverse("purposes:vote", args=["inner", world.objects["proposal"].pk]),
            {"choice": "for", "reason": big},
        ),
    ]
    for url, data in posts:
        started = time.monotonic()
        response = client.post(url, data)
        elapsed = time.monotonic() - started
        if "preview" in url:  # an htmx fragment: 200 saying it is too long, not rendered
            assert response.status_code == 200 and b"<em>emphasis</em>" not in response.content
        else:
            assert response.status_code in {400, 413}, (url, response.status_code)
        assert elapsed < 3, (url, elapsed)
    assert not Post.objects.filter(body__startswith="A long line").exists()
    assert not User.objects.filter(bio__startswith="A long line").exists()


# --- Control characters, bidi, look-alike names, pathological Markdown (hardening) -------

_NEVER_KEPT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
_LINE_BREAKS = re.compile("[\n\r\t\x85\u2028\u2029]")


def test_every_typed_field_drops_control_bidi_and_invisible_characters_item_6():
    """Every class payload through every typed text field, as the field saves it."""
    cleaning = (LineField, CleanTextField, CleanCharField)
    fields = [(n, f) for n, f in typed_text_fields() if isinstance(f, cleaning)]
    assert len(fields) >= 25
    for name, field in fields:
        instance = field.model()
        for payload in [*CONTROL, *BIDI]:
            setattr(instance, field.attname, payload)
            if isinstance(instance, User):
                instance.is_active = True
            value = field.pre_save(instance, True)
            assert not _NEVER_KEPT.search(value), (name, payload, value)
            if isinstance(field, LineField):
                assert not _LINE_BREAKS.search(value), (name, payload, value)


def test_look_alike_and_reserved_usernames_are_refused_item_6():
    UserFactory(username="alice")
    UserFactory(username="chen")
    adapter = get_adapter()
    accepted = []
    for name in CONFUSABLE_USERNAMES:
        try:
            adapter.clean_username(name)
        except ValidationError:
            continue
        accepted.append(name)
    assert accepted == []


def test_pathological_markdown_is_refused_or_rendered_fast_through_posting_item_2(client):
    """Each class payload through the reply form: refused (over the budget) or posted, in
    bounded time, never a 500."""
    world = build_world()
    client.force_login(world.users["member"])
    thread = world.objects["thread"]
    url = reverse("community:reply", args=["inner", thread.pk])
    client.get(url)  # the first request loads the middleware and compiles templates
    for index, body in enumerate(PATHOLOGICAL_MARKDOWN):
        ratelimit_cache_clear()
        started = time.monotonic()
        response = client.post(
            url, {"parent": world.objects["post"].pk, "body": body, "token": f"p{index}"}
        )
        assert time.monotonic() - started < 1.0, body[:20]
        assert response.status_code in {302, 400}, (body[:20], response.status_code)


def ratelimit_cache_clear():
    cache.clear()
