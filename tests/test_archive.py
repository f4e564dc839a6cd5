"""A community's archive (issue 19, part 1): the format, its checks, what it must never hold."""

import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from jsonschema import Draft202012Validator

from community.actions import do_delete_post
from community.models import Community, ModerationState
from engagement.snapshots import take_snapshots
from members.account_data import do_delete_account
from moderation.log import do_set_post_state
from moderation.models import ModerationAction
from moderation.takedowns import do_take_down
from portability import schema
from portability.archive import (
    FORMAT_VERSION,
    MANIFEST,
    PARTS,
    ArchiveError,
    archive_records,
    build_archive,
    read_archive,
)
from purposes.drafting import check_create_proposal
from purposes.models import Proposal
from purposes.voting import check_cast_ballot, check_cast_vote
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    reply_to,
    thread_with_post,
)
from tests.purposes.test_charter_pages import passed_purpose_change
from tests.purposes.test_votes import in_voting

pytestmark = pytest.mark.django_db

# Strings that must never reach an archive, whatever part they would go to.
SECRETS = {
    "email": "alma.secret@private.example",
    "bio": "My private bio about my life",
    "hidden": "Words hidden pending review",
    "kept hidden": "Words a review kept hidden",
    "taken down": "Words the platform took down",
    "author deleted": "Words I regret and deleted",
    "deleted post": "Zed wrote this before leaving",
    "deleted title": "Zed's thread title",
    "deleted reason": "Zed's reason for voting",
    "deleted name": "zed-wanderer",
    "deleted display name": "Zedekiah Wanderer",
}


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def world():
    """A community with a passed charter change and every kind of thing an archive must
    keep out: emails, a bio, hidden, kept-hidden, taken-down and self-deleted posts, and a
    member who deleted their account after posting, starting a thread and voting."""
    community, members, proposal = passed_purpose_change()
    alma, bo, cy = (m.user for m in members)
    alma.email, alma.bio, alma.display_name = SECRETS["email"], SECRETS["bio"], "Alma R."
    alma.save()
    zed = MembershipFactory(
        community=community,
        user__username=SECRETS["deleted name"],
        user__display_name=SECRETS["deleted display name"],
    ).user
    thread, opening = thread_with_post(community=community, author=alma, body="**Welcome** all")
    reply_to(opening, author=bo, body=f"Hello @{SECRETS['deleted name']}, welcome.")
    hidden = reply_to(opening, author=cy, body=SECRETS["hidden"])
    kept = reply_to(opening, author=cy, body=SECRETS["kept hidden"])
    taken = reply_to(opening, author=bo, body=SECRETS["taken down"])
    regretted = reply_to(opening, author=bo, body=SECRETS["author deleted"])
    zeds = reply_to(opening, author=zed, body=SECRETS["deleted post"])
    reply_to(zeds, author=alma, body="A reply to Zed that stays.")
    thread_with_post(community=community, author=zed, title=SECRETS["deleted title"], body="x y z")
    now = timezone.now()
    for post, state in ((hidden, ModerationState.HIDDEN), (kept, ModerationState.KEPT_HIDDEN)):
        do_set_post_state(community=community, post=post, state=state, reason="Flagged",
                          kind=ModerationAction.Kind.HIDE, actor=None, now=now,
                          shown_reason="Hidden after flags")  # fmt: skip
    staff = UserFactory(is_staff=True)
    do_take_down(staff=staff, post=taken, reason="A court order")
    do_delete_post(post=regretted)
    # Zed votes with a reason on an open proposal, then deletes the account.
    open_community, voters, open_proposal = in_voting(3)
    check_cast_vote(actor=voters[0].user, proposal=open_proposal, choice="against", reason="")
    check_cast_vote(actor=voters[1].user, proposal=open_proposal, choice="for", reason="Good")
    do_delete_account(user=zed)
    CommunityFactory(parent=community, name="Growers North", slug="growers-north")
    take_snapshots(day=now.date())
    community.refresh_from_db()
    return community, members, proposal


def all_text(data: bytes) -> str:
    return "\n".join(body.decode() for body in entries(data).values())


def test_build_archive_holds_every_part_each_record_matching_its_schema(world):
    community, _, _ = world
    data = build_archive(community)
    files = entries(data)
    assert sorted(files) == sorted([MANIFEST, *PARTS])
    manifest = json.loads(files[MANIFEST])
    assert schema.errors(manifest, "manifest") == []
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["community"] == {"slug": community.slug, "name": community.name}
    for part in manifest["parts"]:
        lines = files[part["name"]].decode().splitlines()
        assert len(lines) == part["records"]
        for line in lines:
            record = json.loads(line)
            assert schema.errors(record, PARTS[part["name"]]) == [], line


def test_build_archive_records_validate_with_jsonschema_directly(world):
    community, _, _ = world
    records = archive_records(community)
    for part, kind in PARTS.items():
        Draft202012Validator.check_schema(schema.schema(kind))
        for record in records[part]:
            jsonschema.validate(record, schema.schema(kind), cls=Draft202012Validator)


def test_build_archive_keeps_the_charter_history_threads_proposals_log_health_lineage(world):
    community, members, proposal = world
    archive = read_archive(build_archive(community))
    charters = archive.records("charters.jsonl")
    assert [c["version"] for c in charters] == [1, 2]
    assert charters[1]["purpose"] == community.charter.purpose
    assert charters[1]["tally"] == {
        "for": 3, "against": 0, "abstain": 0, "electorate": 3, "active_electorate": 3
    }  # fmt: skip
    assert {s["op"] for s in charters[1]["diff"]["purpose"]} >= {"insert", "delete"}
    assert charters[0]["diff"]["purpose"] == [{"op": "insert", "text": charters[0]["purpose"]}]
    (record,) = archive.records("proposals.jsonl")
    assert charters[1]["proposal"] == record["id"]
    assert (record["state"], record["title"], record["tally"]["for"]) == (
        "passed", proposal.title, 3
    )  # fmt: skip
    votes = archive.records("votes.jsonl")
    assert [(v["choice"], v["reason"]) for v in votes] == [("for", "Yes")] * 3
    posts = archive.records("posts.jsonl")
    welcome = next(p for p in posts if p["body"] == "**Welcome** all")  # the Markdown source
    assert welcome["author"] == "Alma R." and welcome["parent"] is None
    replies = [p for p in posts if p["parent"] == welcome["id"]]
    assert len(replies) == 6 and all(p["depth"] == 1 for p in replies)
    log = archive.records("moderation_log.jsonl")
    takedown = next(e for e in log if e["kind"] == "takedown")
    assert takedown["reason"] == "A court order"
    assert next(p for p in posts if p["id"] == takedown["post"])["withheld"] == "taken_down"
    assert archive.records("health.jsonl")[0]["members"] == 3
    assert archive.records("lineage.jsonl") == [
        {"relation": "offshoot", "slug": "growers-north", "name": "Growers North",
         "created_at": archive.records("lineage.jsonl")[0]["created_at"]}
    ]  # fmt: skip


def test_build_archive_holds_no_email_private_field_hidden_text_or_deleted_member(world):
    community, _, _ = world
    text = all_text(build_archive(community))
    for what, secret in SECRETS.items():
        assert secret not in text, what
    assert "@example.org" not in text  # every factory user's address
    assert "pbkdf2" not in text and "argon2" not in text
    archive = read_archive(build_archive(community))
    posts = archive.records("posts.jsonl")
    withheld = {p["withheld"] for p in posts if p["body"] is None}
    assert withheld == {"hidden", "taken_down", "deleted_by_author", "deleted_member"}
    zeds = [p for p in posts if p["withheld"] == "deleted_member"]
    assert {p["author"] for p in zeds} == {"deleted member"} and len(zeds) == 2
    assert any(p["body"] == "Hello @deleted member, welcome." for p in posts)
    assert any(p["body"] == "A reply to Zed that stays." for p in posts)  # replies keep place
    assert [t["title"] for t in archive.records("threads.jsonl")][-1] is None


def test_build_archive_shows_open_votes_as_the_page_does_reasons_without_choices(world):
    community, _, _ = world
    proposal = Proposal.objects.exclude(community=community).get(state=Proposal.State.VOTING)
    votes = read_archive(build_archive(proposal.community)).records("votes.jsonl")
    assert votes == [
        {"proposal": 1, "voter": votes[0]["voter"], "choice": None, "reason": "Good",
         "cast_at": votes[0]["cast_at"], "ballot": None, "withdrawn_at": None}
    ]  # fmt: skip


def test_build_archive_leaves_out_drafts():
    community, members = CommunityFactory(), []
    members = [MembershipFactory(community=community) for _ in range(2)]
    check_create_proposal(
        actor=members[0].user, community=community, kind=Proposal.Kind.DISSOLVE,
        title="A secret draft", rationale="Not yet shown",
    )  # fmt: skip
    text = all_text(build_archive(community))
    assert "A secret draft" not in text and "Not yet shown" not in text


def test_build_archive_same_history_same_bytes(world):
    community, _, _ = world
    now = timezone.now()
    assert build_archive(community, now=now) == build_archive(community, now=now)


# --- Refusals -----------------------------------------------------------------------------


@pytest.fixture
def good():
    community = CommunityFactory(slug="growers", name="Growers")
    member = MembershipFactory(community=community).user
    thread_with_post(community=community, author=member, body="Seeds on Saturday")
    return build_archive(community)


def test_read_archive_accepts_a_good_archive(good):
    archive = read_archive(good)
    assert archive.slug == "growers"
    assert archive.records("posts.jsonl")[0]["body"] == "Seeds on Saturday"


def test_read_archive_refuses_a_tampered_part(good):
    files = entries(good)
    files["posts.jsonl"] = files["posts.jsonl"].replace(b"Saturday", b"Sunday!!")
    with pytest.raises(ArchiveError, match="does not match the SHA-256"):
        read_archive(rezip(files))


def test_read_archive_refuses_a_truncated_file(good):
    for cut in (len(good) // 2, len(good) - 10, 30):
        with pytest.raises(ArchiveError, match="not a complete zip archive"):
            read_archive(good[:cut])


def test_read_archive_refuses_an_unknown_format_version(good):
    files = entries(good)
    manifest = json.loads(files[MANIFEST])
    for version in (FORMAT_VERSION + 1, 0, "1"):
        files[MANIFEST] = json.dumps(manifest | {"format_version": version}).encode()
        with pytest.raises(ArchiveError, match="format version .* does not know"):
            read_archive(rezip(files))


def test_read_archive_refuses_an_oversized_file_or_part(good, tmp_path):
    with pytest.raises(ArchiveError, match="larger than the 100 bytes"):
        read_archive(good, max_bytes=100)
    path = tmp_path / "big.zip"
    path.write_bytes(good)
    with pytest.raises(ArchiveError, match="at most 100 are accepted"):
        read_archive(path, max_bytes=100)
    with pytest.raises(ArchiveError, match="unpacks to"):
        read_archive(good, max_part_bytes=100)


def test_read_archive_refuses_what_the_format_does_not_hold(good):
    files = entries(good)
    with pytest.raises(ArchiveError, match="entries the format does not"):
        read_archive(rezip(files | {"extra.txt": b"hello"}))
    with pytest.raises(ArchiveError, match="no manifest.json"):
        read_archive(rezip({k: v for k, v in files.items() if k != MANIFEST}))
    with pytest.raises(ArchiveError, match="lacks lineage.jsonl"):
        read_archive(rezip({k: v for k, v in files.items() if k != "lineage.jsonl"}))
    with pytest.raises(ArchiveError, match="not a Commons community archive"):
        read_archive(rezip(files | {MANIFEST: b'{"format": "other"}'}))
    with pytest.raises(ArchiveError, match="not a complete zip"):
        read_archive(b"plain text, not a zip at all")


def test_read_archive_refuses_a_record_off_its_schema_even_with_matching_hashes(good):
    import hashlib

    files = entries(good)
    posts = files["posts.jsonl"].replace(b'"depth":0', b'"depth":-1')
    files["posts.jsonl"] = posts
    manifest = json.loads(files[MANIFEST])
    for part in manifest["parts"]:
        if part["name"] == "posts.jsonl":
            part["sha256"], part["bytes"] = hashlib.sha256(posts).hexdigest(), len(posts)
    files[MANIFEST] = json.dumps(manifest).encode()
    with pytest.raises(ArchiveError, match=r"posts.jsonl line 1: depth: -1 is less than the min"):
        read_archive(rezip(files))


def resealed(files: dict[str, bytes], name: str, data: bytes) -> bytes:
    """The archive with part ``name`` replaced by ``data``, the manifest's hash and length
    of it updated to match (what a hand-edited archive looks like)."""
    manifest = json.loads(files[MANIFEST])
    for part in manifest["parts"]:
        if part["name"] == name:
            part["sha256"], part["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
    return rezip(files | {name: data, MANIFEST: json.dumps(manifest).encode()})


@pytest.mark.parametrize("escape", [rb"\u0000", rb"\ud800", rb"\uDC00"])
def test_import_community_refuses_text_postgresql_cannot_store_and_imports_nothing(
    good, tmp_path, escape
):
    # Found on PostgreSQL: such text passed read_archive, then the import failed at the
    # database (DataError: a 500 on confirming the import page); SQLite stored it.
    files, path = entries(good), tmp_path / "growers.zip"
    path.write_bytes(resealed(files, "posts.jsonl", files["posts.jsonl"].replace(
        b"Seeds", b"Seeds" + escape)))  # fmt: skip
    with pytest.raises(CommandError, match=r"Refused: posts.jsonl line 1 holds a NUL or half"):
        call_command("import_community", str(path), slug="growers-b")
    manifest = json.loads(files[MANIFEST])
    manifest["source_url"] += "\x00"
    path.write_bytes(rezip(files | {MANIFEST: json.dumps(manifest).encode()}))
    with pytest.raises(CommandError, match=r"Refused: manifest.json holds a NUL or half"):
        call_command("import_community", str(path), slug="growers-b")
    assert not Community.objects.filter(slug="growers-b").exists()


def test_import_community_keeps_an_escaped_surrogate_pair_as_its_character(good, tmp_path):
    files, path = entries(good), tmp_path / "growers.zip"
    path.write_bytes(resealed(files, "posts.jsonl", files["posts.jsonl"].replace(
        b"Seeds", rb"Seeds \ud83c\udf31")))  # fmt: skip
    call_command("import_community", str(path), slug="growers-b", stdout=io.StringIO())
    copy = read_archive(build_archive(Community.objects.get(slug="growers-b")))
    assert copy.records("posts.jsonl")[0]["body"] == "Seeds \U0001f331 on Saturday"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_read_archive_splits_records_at_newlines_only(good, separator):
    # JSON allows these unescaped inside a string, where str.splitlines() also breaks a
    # line: a foreign archive holding one was refused with a wrong record count.
    files = entries(good)
    edited = files["posts.jsonl"].replace(b"Seeds", f"Seeds{separator}".encode(), 1)
    archive = read_archive(resealed(files, "posts.jsonl", edited))
    assert archive.records("posts.jsonl")[0]["body"] == f"Seeds{separator} on Saturday"


# --- Commands -----------------------------------------------------------------------------


def test_export_community_then_verify_archive_prints_the_manifest(good, tmp_path):
    CommunityFactory(slug="makers", name="Makers")
    path = tmp_path / "makers.zip"
    out = io.StringIO()
    call_command("export_community", "makers", output=str(path), stdout=out)
    assert "Wrote" in out.getvalue() and path.exists()
    out = io.StringIO()
    call_command("verify_archive", str(path), stdout=out)
    said = out.getvalue()
    assert f"A valid Commons archive, format version {FORMAT_VERSION}." in said
    assert "Community: Makers (makers)" in said and "charters.jsonl" in said
    with pytest.raises(CommandError, match="exists; pass --force"):
        call_command("export_community", "makers", output=str(path))


def test_verify_archive_refuses_a_tampered_file_and_export_an_unknown_slug(good, tmp_path):
    files = entries(good)
    files["threads.jsonl"] = files["threads.jsonl"] + b"\n"
    path = tmp_path / "bad.zip"
    path.write_bytes(rezip(files))
    with pytest.raises(CommandError, match="Refused: threads.jsonl does not match"):
        call_command("verify_archive", str(path))
    with pytest.raises(CommandError, match="Refused: There is no file"):
        call_command("verify_archive", str(tmp_path / "missing.zip"))
    with pytest.raises(CommandError, match="no community at /c/nowhere/"):
        call_command("export_community", "nowhere", output=str(tmp_path / "x.zip"))


# --- The schema ----------------------------------------------------------------------------


def test_schema_errors_names_each_problem():
    record = {"relation": "cousin", "slug": 3, "name": "x", "extra": 1}
    found = schema.errors(record, "lineage")
    assert any(p.startswith("relation: 'cousin' is not one of") for p in found), found
    assert any(p == "slug: 3 is not of type 'string'" for p in found), found
    assert any("'created_at' is a required property" in p for p in found), found
    assert any("'extra' was unexpected" in p for p in found), found


def test_schema_errors_stops_at_five():
    record = {"relation": 1, "slug": 2, "name": 3, "created_at": 4, "more": 5, "again": 6}
    assert len(schema.errors(record, "lineage")) == schema.MAX_ERRORS


def test_every_schema_file_is_a_valid_draft_2020_12_schema():
    assert set(schema.kinds()) == {"manifest", *PARTS.values()}
    for kind in schema.kinds():
        assert schema.schema(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema.schema(kind))


def test_read_archive_refuses_a_malformed_manifest_naming_the_field(good):
    files = entries(good)
    manifest = json.loads(files[MANIFEST])
    manifest["community"]["slug"] = "not a slug!"
    files[MANIFEST] = json.dumps(manifest).encode()
    with pytest.raises(ArchiveError, match=r"manifest.json is malformed: community.slug: "):
        read_archive(rezip(files))


def test_read_archive_manifest_created_at_is_recent(good):
    made = read_archive(good).manifest["created_at"]
    assert abs(timezone.now() - datetime.fromisoformat(made)) < timedelta(minutes=5)


def test_build_archive_of_every_demo_community_reads_back_without_an_email(settings):
    from community.models import Community
    from members.models import User

    call_command("seed_demo", i_know=True, stdout=io.StringIO())
    emails = [e for e in User.objects.values_list("email", flat=True) if e]
    assert emails and Community.objects.count() >= 2
    for community in Community.objects.all():
        data = build_archive(community)
        archive = read_archive(data)
        assert archive.slug == community.slug
        text = all_text(data)
        assert not [e for e in emails if e in text], community.slug
        assert len(archive.records("posts.jsonl")) == community.threads.count() + sum(
            t.reply_count for t in community.threads.all()
        )


# --- Import (part 6): a forming community, its history read-only, no members ------------


def imported(data: bytes, slug: str):
    from portability.importing import do_import_community

    return do_import_community(archive=read_archive(data), slug=slug)


def test_round_trip_export_import_export_gives_the_same_records(world):
    from members.models import Membership

    community, _, _ = world
    first = read_archive(build_archive(community))
    copy, made = imported(build_archive(community), "growers-again")
    assert made and copy.state == "forming" and copy.slug == "growers-again"
    assert not Membership.objects.filter(community=copy).exists()  # nobody is moved (R1)
    assert (copy.charter.version, copy.charter.purpose, copy.charter.author) == (
        community.charter.version, community.charter.purpose, None
    )  # fmt: skip
    second = read_archive(build_archive(copy))
    for part in PARTS:
        if part != "community.jsonl":
            assert second.records(part) == first.records(part), part
    local_fields = {"slug", "state", "created_at", "activated_at", "dissolved_at"}
    (a,), (b,) = first.records("community.jsonl"), second.records("community.jsonl")
    assert {k: v for k, v in a.items() if k not in local_fields} == {
        k: v for k, v in b.items() if k not in local_fields
    }


def test_import_numbers_new_history_after_the_imported_one(good):
    from community.actions import do_create_thread

    copy, _ = imported(good, "growers-here")
    do_create_thread(author=UserFactory(), community=copy, title="Here now", body="New home")
    archive = read_archive(build_archive(copy))
    threads, posts = archive.records("threads.jsonl"), archive.records("posts.jsonl")
    assert [t["id"] for t in threads] == [1, 2] and threads[1]["title"] == "Here now"
    assert (posts[-1]["id"], posts[-1]["thread"], posts[-1]["body"]) == (2, 2, "New home")


def test_import_twice_makes_one_community(good):
    from community.models import Community

    first, made = imported(good, "growers-b")
    again, made_again = imported(good, "growers-c")
    assert (made, made_again, again.pk) == (True, False, first.pk)
    assert not Community.objects.filter(slug="growers-c").exists()


def test_import_refuses_to_overwrite_an_address_or_an_earlier_import(good):
    from community.models import Community
    from portability.importing import ImportRefused

    before = Community.objects.count()
    with pytest.raises(ImportRefused, match="/c/growers/ exists here already"):
        imported(good, None)
    assert Community.objects.count() == before
    imported(good, "growers-b")
    newer = build_archive(Community.objects.get(slug="growers"), now=timezone.now())
    with pytest.raises(ImportRefused, match="already holds an import of .*/c/growers/"):
        imported(newer, "growers-c")
    assert not Community.objects.filter(slug="growers-c").exists()


def test_import_that_fails_half_way_leaves_nothing(good, monkeypatch):
    from community.models import Community
    from portability.models import ImportedCommunity, ImportedRecord

    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(ImportedRecord.objects, "bulk_create", full_disk)
    with pytest.raises(OSError):
        imported(good, "growers-b")
    assert not Community.objects.filter(slug="growers-b").exists()
    assert not ImportedCommunity.objects.exists()


def test_import_community_command_imports_once_and_refuses_a_tampered_file(good, tmp_path):
    path = tmp_path / "growers.zip"
    path.write_bytes(good)
    out = io.StringIO()
    call_command("import_community", str(path), slug="growers-b", stdout=out)
    assert "Imported /c/growers-b/ (forming, no members)" in out.getvalue()
    out = io.StringIO()
    call_command("import_community", str(path), slug="growers-b", stdout=out)
    assert "imported before, as /c/growers-b/: nothing changed" in out.getvalue()
    files = entries(good)
    files["posts.jsonl"] = files["posts.jsonl"].replace(b"Seeds", b"Weeds")
    path.write_bytes(rezip(files))
    with pytest.raises(CommandError, match="Refused: posts.jsonl does not match the SHA-256"):
        call_command("import_community", str(path), slug="growers-x")


def test_build_archive_carries_a_ranked_count_and_its_ballots_after_the_close():
    """A community that decides by ranked choice exports: the method, the seed, the count
    round by round, the alternative wordings, and each ballot once the vote is closed."""
    from tests.purposes.test_method_voting import close, in_voting_by

    community, users, proposal = in_voting_by("ranked", count=5, alternatives=["To share."])
    check_cast_ballot(actor=users[0], proposal=proposal, ballot=["alt-1", "proposal"])
    check_cast_ballot(actor=users[1], proposal=proposal, ballot=["proposal"])
    while_open = read_archive(build_archive(community)).records("votes.jsonl")
    assert while_open == []  # no reasons given: nothing shown while voting
    proposal = close(proposal)
    archive = read_archive(build_archive(community))
    (record,) = archive.records("proposals.jsonl")
    assert record["method"] == "ranked" and record["tie_seed"] == proposal.tie_seed
    assert record["result"]["rounds"] and record["options"] == [
        {"id": "alt-1", "purpose": "To share.", "goals": None, "rules": None}
    ]
    ballots = [v["ballot"] for v in archive.records("votes.jsonl")]
    assert sorted(ballots) == [["alt-1", "proposal"], ["proposal"]]


def test_build_archive_carries_a_proposals_amendments_and_the_option_one_became():
    """An amendment declined and put to the vote exports with its text, the text it was
    written against, the proposer's reason and the option it became; one accepted too."""
    from purposes.amendments import (
        check_accept_amendment,
        check_carry_amendment,
        check_decline_amendment,
    )
    from tests.purposes.test_amendments import AMENDED, NEW_PURPOSE, in_discussion, propose

    community, users, proposal = in_discussion(amendments_to_vote=True)
    declined = propose(proposal, users[3], goals=["Share the harvest"])
    check_decline_amendment(actor=users[0], amendment=declined, reason="Goals stay.")
    check_carry_amendment(actor=users[3], amendment=declined)
    accepted = propose(proposal, users[4], purpose="To grow food, together.")
    check_accept_amendment(actor=users[0], amendment=accepted)
    (record,) = read_archive(build_archive(community)).records("proposals.jsonl")
    first, second = record["amendments"]
    assert (first["state"], first["decline_reason"], first["option"]) == (
        "declined", "Goals stay.", "alt-1"
    )  # fmt: skip
    assert first["proposed"]["purpose"] == AMENDED
    assert first["against"]["purpose"] == NEW_PURPOSE
    assert (second["state"], second["option"], second["decline_reason"]) == (
        "accepted", None, None
    )  # fmt: skip
    assert record["options"][0]["goals"] == ["Share the harvest"]
