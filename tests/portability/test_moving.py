"""A community that moved to another home: the worker builds its archive once and keeps
it, emails each member a claim link to the new home; the archive (format version 2)
says where it went; an imported community is founded only by claimants."""

import io
import json
import zipfile

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from community.lifecycle import do_move_community
from members import invitations, joining
from members.models import Membership
from portability import building, claims, moving, selectors
from portability.archive import MANIFEST, ArchiveError, build_archive, read_archive
from portability.exports import do_request_archive
from portability.importing import do_import_community
from portability.models import ArchiveBuild, MoveHandoff
from portability.tasks import hand_over_moved_communities
from purposes.models import Proposal
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, thread_with_post

pytestmark = pytest.mark.django_db
HOME = "https://b.example/c/growers/"


@pytest.fixture
def moved():
    old = CommunityFactory(slug="growers", name="Growers")
    members = [MembershipFactory(community=old).user for _ in range(3)]
    thread_with_post(community=old, author=members[0], body="Seeds on Saturday")
    do_move_community(community=old, to=HOME, at=timezone.now())
    old.refresh_from_db()
    return old, members


def test_the_sweep_builds_the_archive_and_emails_claim_links_once(moved):
    old, members = moved
    assert hand_over_moved_communities() == 1
    handoff = MoveHandoff.objects.get(community=old)
    build = handoff.build
    assert build.state == ArchiveBuild.State.READY and handoff.claims_sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in members)
    assert f"{HOME}claim/?token=" in mail.outbox[0].body
    token = mail.outbox[0].body.split("?token=")[1].split()[0]
    assert claims.keys.payload_unverified(token)["archive"] == build.sha256
    # Done once: the next sweeps find nothing to do and send nothing.
    assert hand_over_moved_communities() == 0 and len(mail.outbox) == 3
    assert moving.pending_moves() == []


def test_the_moves_archive_is_kept_and_offered_to_members(moved):
    old, members = moved
    hand_over_moved_communities()
    kept = MoveHandoff.objects.get(community=old).build
    assert selectors.latest_build(old).pk == kept.pk
    assert do_request_archive(actor=members[0], community=old).build.pk == kept.pk
    # A build made afterwards (however it came) never drops the one the tokens name.
    later = ArchiveBuild.objects.create(community=old, stamp="x")
    building.do_build_archive(build_id=later.pk)
    assert ArchiveBuild.objects.filter(pk=kept.pk, state="ready").exists()


def test_a_community_not_moved_is_not_handed_over():
    CommunityFactory()
    assert hand_over_moved_communities() == 0 and not MoveHandoff.objects.exists()


def test_the_archive_says_where_it_went_and_carries_the_move_proposal(moved):
    old, members = moved
    Proposal.objects.create(
        community=old, kind="move", state="passed", title="Move", rationale="Cheaper",
        author=members[0], base_charter=old.charter, new_home=HOME,
    )  # fmt: skip
    archive = read_archive(build_archive(old))
    assert archive.manifest["format_version"] == 3
    record = archive.records("community.jsonl")[0]
    assert record["moved_to"] == HOME and record["moved_at"].startswith(str(old.moved_at.year))
    proposal = archive.records("proposals.jsonl")[0]
    assert proposal["kind"] == "move" and proposal["new_home"] == HOME


def rewritten(data: bytes, change) -> bytes:
    """The archive with its records changed by ``change(name, records, manifest)`` and the
    manifest's hashes made to match (a well-formed archive saying something else)."""
    import hashlib

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = {name: source.read(name) for name in source.namelist()}
    manifest = json.loads(files[MANIFEST])
    for part in manifest["parts"]:
        lines = [json.loads(line) for line in files[part["name"]].decode().splitlines()]
        change(part["name"], lines, manifest)
        body = "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in lines)
        files[part["name"]] = body.encode()
        part["sha256"] = hashlib.sha256(files[part["name"]]).hexdigest()
        part["bytes"], part["records"] = len(files[part["name"]]), len(lines)
    files[MANIFEST] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, body in files.items():
            target.writestr(name, body)
    return out.getvalue()


def test_reading_checks_each_record_against_its_format_version(moved):
    old, _ = moved
    data = build_archive(old)

    def as_version_1(name, records, manifest):
        manifest["format_version"] = 1
        if name == "community.jsonl":
            for record in records:
                record.pop("moved_to"), record.pop("moved_at")
        if name == "charters.jsonl":  # version 3's rules
            for record in records:
                record["rules"].pop("methods"), record["rules"].pop("amendments_to_vote")

    v1 = read_archive(rewritten(data, as_version_1))  # a version 1 archive still reads
    assert "moved_to" not in v1.records("community.jsonl")[0]

    def v1_with_v2_fields(name, records, manifest):
        as_version_1(name, records, manifest)
        if name == "community.jsonl":
            records[0] |= {"moved_to": None, "moved_at": None}

    with pytest.raises(ArchiveError, match="moved_to, moved_at is not in format version 1"):
        read_archive(rewritten(data, v1_with_v2_fields))

    def v2_without(name, records, manifest):
        if name == "community.jsonl":
            records[0].pop("moved_at")

    with pytest.raises(ArchiveError, match="missing moved_at"):
        read_archive(rewritten(data, v2_without))


# --- Only claimants found an imported community -------------------------------------------


@pytest.fixture
def imported(settings, moved):
    settings.FOUNDING_QUORUM = 2
    old, members = moved
    archive = read_archive(build_archive(old))
    new, _ = do_import_community(archive=archive, slug="growers-new")
    return old, members, new, archive.sha256


def claim_and_join(imported, person):
    old, _, new, sha = imported
    account = UserFactory()
    token = claims.issue_token(community=old, user=person, archive_sha256=sha)
    claims.check_claim_place(actor=account, community=new, token=token)
    return claims.check_accept_place(actor=account, community=new, affirmed=True)


def test_a_non_claimant_cannot_found_an_imported_community_but_joins_once_active(client, imported):
    old, members, new, sha = imported
    assert new.imported_at is not None and new.founded_by_claim_only
    stranger = UserFactory()
    with pytest.raises(ValidationError, match="its founders are its former members"):
        joining.check_join(actor=stranger, community=new, affirmed=True)
    client.force_login(stranger)
    page = client.get(f"/c/{new.slug}/").content.decode()
    assert "I was a member: claim my place" in page and "Join as a founder" not in page
    refused = client.post(f"/c/{new.slug}/join/", {"affirmed": "on"})
    assert refused.status_code in (200, 400) and "its former members" in refused.content.decode()
    assert not Membership.objects.filter(community=new, user=stranger).exists()
    founder = claim_and_join(imported, members[0]).user
    with pytest.raises(ValidationError, match="invite others once it is active"):
        invitations.check_invite(actor=founder, community=new, username=stranger.username)
    claim_and_join(imported, members[1])
    new.refresh_from_db()
    assert new.is_active and not new.founded_by_claim_only
    assert joining.check_join(actor=stranger, community=new, affirmed=True).community == new
