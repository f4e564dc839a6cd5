"""Claim tokens: the old home signs and emails them, the new home verifies them against the
imported archive's manifest and invites the claimant back as a founder."""

import io
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from members.models import Membership
from portability import claims, keys
from portability.archive import build_archive, read_archive
from portability.importing import do_import_community
from portability.models import ArchiveClaim
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, thread_with_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(settings):
    """Growers on its old home, three members; its archive imported as growers-new (the same
    database stands in for the new instance: only the archive passes between them)."""
    settings.FOUNDING_QUORUM = 2
    old = CommunityFactory(slug="growers", name="Growers")
    members = [MembershipFactory(community=old).user for _ in range(3)]
    thread_with_post(community=old, author=members[0], body="Seeds on Saturday")
    data = build_archive(old)
    new, _ = do_import_community(archive=read_archive(data), slug="growers-new")
    return old, members, new, read_archive(data).sha256


def token_for(moved, user, **kw):
    old, _, _, sha = moved
    return claims.issue_token(community=old, user=user, archive_sha256=sha, **kw)


def claim_url(new):
    return f"/c/{new.slug}/claim/"


def test_manifest_carries_the_public_key_that_verifies_the_tokens(moved):
    old, members, new, sha = moved
    token = token_for(moved, members[0])
    public = read_archive(build_archive(old)).manifest["claim_key"]["public_key"]
    payload = keys.verify(token, public)
    assert payload["archive"] == sha and payload["name"] == members[0].shown_name
    assert keys.verify(token, keys.public_key(new.pk)) is None  # another community's key


def test_issue_claim_tokens_emails_each_former_member_a_link(moved, tmp_path):
    old, members, new, sha = moved
    path = tmp_path / "growers.zip"
    path.write_bytes(build_archive(old))
    out = io.StringIO()
    call_command("issue_claim_tokens", "growers", archive=str(path),
                 new_home="https://b.example/c/growers-new/", stdout=out)  # fmt: skip
    assert "Emailed 3 former member(s)" in out.getvalue()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in members)
    assert "https://b.example/c/growers-new/claim/?token=" in mail.outbox[0].body
    with pytest.raises(CommandError, match="not an archive of /c/other/"):
        CommunityFactory(slug="other")
        call_command("issue_claim_tokens", "other", archive=str(path))


def test_claim_then_join_as_founder_makes_the_community_active_at_quorum(client, moved):
    old, members, new, sha = moved
    for number, person in enumerate(members[:2]):
        account = UserFactory()  # their account on the new instance: any account
        client.force_login(account)
        response = client.post(claim_url(new), {"token": token_for(moved, person)}, follow=True)
        text = response.content.decode()
        assert f"You were {person.shown_name}" in text and "Join as a founder" in text
        refused = client.post(f"{claim_url(new)}join/", {})
        assert refused.status_code == 400 and "affirming the purpose" in refused.content.decode()
        client.post(f"{claim_url(new)}join/", {"affirmed": "on"})
        assert Membership.objects.current().filter(community=new, user=account).exists()
        new.refresh_from_db()
        assert new.state == ("forming" if number == 0 else "active")
    assert ArchiveClaim.objects.filter(source__community=new).count() == 2


def refusal(client, new, token):
    response = client.post(claim_url(new), {"token": token})
    assert response.status_code == 400
    return response.content.decode()


def test_claim_refuses_twice_reused_expired_forged_and_other_community(client, moved):
    old, members, new, sha = moved
    me, someone = UserFactory(), UserFactory()
    client.force_login(me)
    mine = token_for(moved, members[0])
    client.post(claim_url(new), {"token": mine})
    assert "You have already claimed this place" in refusal(client, new, mine)
    assert "one account takes one place" in refusal(client, new, token_for(moved, members[1]))
    client.force_login(someone)
    assert "used already, by another account" in refusal(client, new, mine)
    expired = token_for(moved, members[2], now=time.time() - 90 * 86400)
    assert "This token has expired" in refusal(client, new, expired)
    body, signature = token_for(moved, members[2]).split(".")
    forged = keys.b64(keys.unb64(body).replace(b'"name":"', b'"name":"X')) + "." + signature
    assert "changed or made up" in refusal(client, new, forged)
    assert "not a claim token" in refusal(client, new, "hello")
    other_old = CommunityFactory(slug="makers", name="Makers")
    other_data = build_archive(other_old)
    do_import_community(archive=read_archive(other_data), slug="makers-new")
    other = claims.issue_token(community=other_old, user=members[2],
                               archive_sha256=read_archive(other_data).sha256)  # fmt: skip
    assert "for another community, Makers" in refusal(client, new, other)
    assert ArchiveClaim.objects.count() == 1


def test_claim_page_needs_login_and_an_imported_community(client, moved):
    old, members, new, sha = moved
    response = client.get(claim_url(new))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(claim_url(old)).status_code == 404
    page = client.get(f"{claim_url(new)}?token=abc").content.decode()
    assert "Claim your place in Growers" in page and "abc</textarea>" in page


def test_joining_without_a_claim_is_refused(client, moved):
    old, members, new, sha = moved
    client.force_login(UserFactory())
    response = client.post(f"{claim_url(new)}join/", {"affirmed": "on"})
    assert response.status_code == 400 and "Claim your place first" in response.content.decode()
    assert not Membership.objects.filter(community=new).exists()


def test_former_members_of_a_dissolved_community_include_those_who_left_after(moved):
    from django.utils import timezone

    from members.joining import do_leave

    old, members, new, sha = moved
    do_leave(membership=Membership.objects.get(community=old, user=members[0]))
    old.state, old.dissolved_at = "dissolved", timezone.now()
    old.save()
    do_leave(membership=Membership.objects.get(community=old, user=members[1]))
    assert {m.user for m in claims.former_members(old)} == {members[1], members[2]}


def test_token_lifetime_is_what_the_command_says(moved):
    old, members, new, sha = moved
    issued = claims.do_issue_claims(community=old, archive_sha256=sha, send=False,
                                    lifetime=timedelta(days=1))  # fmt: skip
    payload = keys.payload_unverified(issued[0].token)
    assert abs(payload["expires"] - (time.time() + 86400)) < 60
    assert not mail.outbox
