"""Members getting their community's archive: who may, the worker's build, the limits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.joining import do_leave
from portability import building, tasks
from portability.archive import read_archive
from portability.exports import TooSoon, do_request_archive
from portability.models import ArchiveBuild
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    moderator_membership,
    thread_with_post,
)

pytestmark = pytest.mark.django_db


def url(community, rest=""):
    return f"/c/{community.slug}/archive/{rest}"


@pytest.fixture
def growers():
    community = CommunityFactory(slug="growers", name="Growers")
    member = MembershipFactory(community=community).user
    thread_with_post(community=community, author=member, body="Seeds on Saturday")
    return community, member


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """POST to the archive page, running what is enqueued after the commit (the build task,
    eagerly in tests) before following the redirect."""

    def post(community, follow=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(community))
        if follow and response.status_code == 302:
            return client.get(response["Location"])
        return response

    return post


def test_member_asks_worker_builds_page_offers_download_with_size_and_hash(client, growers, ask):
    community, member = growers
    client.force_login(member)
    page = client.get(url(community))
    assert page.status_code == 200 and "No archive yet" in page.content.decode()
    response = ask(community, follow=True)
    text = response.content.decode()
    build = ArchiveBuild.objects.get()
    assert build.state == "ready" and build.requested_by == member
    assert "Your archive is ready" in text and build.sha256 in text
    assert f"/c/growers/archive/{build.pk}/download/" in text
    download = client.get(url(community, f"{build.pk}/download/"))
    assert download["Content-Type"] == "application/zip"
    assert "growers-archive-" in download["Content-Disposition"]
    archive = read_archive(download.content)
    assert archive.sha256 == build.sha256 and archive.slug == "growers"
    assert archive.records("posts.jsonl")[0]["body"] == "Seeds on Saturday"


def test_build_task_is_idempotent_and_records_a_failure(growers, monkeypatch):
    community, member = growers
    build = ArchiveBuild.objects.create(community=community, requested_by=member, stamp="x")
    assert tasks.build_community_archive(build.pk) == "ready"
    sha = ArchiveBuild.objects.get().sha256
    assert tasks.build_community_archive(build.pk) == "ready"
    assert ArchiveBuild.objects.get().sha256 == sha
    failing = ArchiveBuild.objects.create(
        community=CommunityFactory(), requested_by=member, stamp="y"
    )

    def broken(community):
        raise OSError("No space left on device")

    monkeypatch.setattr(building, "build_archive", broken)
    assert tasks.build_community_archive(failing.pk) == "failed"
    failing.refresh_from_db()
    assert failing.error == "No space left on device" and failing.data is None


def test_page_polls_while_building_and_shows_state(client, growers):
    community, member = growers
    ArchiveBuild.objects.create(community=community, requested_by=member, stamp="x")
    client.force_login(member)
    text = client.get(url(community)).content.decode()
    assert "queued" in text and "/c/growers/archive/status/" in text
    assert "Prepare the archive" not in text  # nothing to ask while one is on its way
    status = client.get(url(community, "status/"), HTTP_HX_REQUEST="true").content.decode()
    assert "Waiting for its turn" in status and "<html" not in status
    ArchiveBuild.objects.update(state="failed")
    text = client.get(url(community)).content.decode()
    assert "could not be made" in text and "/c/growers/archive/status/" not in text


def test_nothing_changed_reuses_the_archive_something_changed_waits_an_hour(client, growers, ask):
    community, member = growers
    client.force_login(member)
    ask(community)
    first = ArchiveBuild.objects.get()
    response = ask(community, follow=True)
    assert "Nothing has changed since the last archive" in response.content.decode()
    assert ArchiveBuild.objects.get().pk == first.pk
    thread_with_post(community=community, author=member, body="Something new")
    response = ask(community)
    assert response.status_code == 429 and int(response["Retry-After"]) > 3000
    assert "less than an hour ago" in response.content.decode()
    assert ArchiveBuild.objects.count() == 1
    ArchiveBuild.objects.update(requested_at=timezone.now() - timedelta(hours=2))
    ask(community)
    latest = ArchiveBuild.objects.get()  # the older finished one is dropped
    assert latest.pk != first.pk and latest.state == "ready"


def test_a_second_request_joins_the_build_in_progress(growers):
    community, member = growers
    other = MembershipFactory(community=community).user
    ArchiveBuild.objects.create(community=community, requested_by=member, stamp="x")
    asked = do_request_archive(actor=other, community=community)
    assert asked.outcome == "joined" and ArchiveBuild.objects.count() == 1


def test_the_hourly_limit_is_per_community(growers, django_capture_on_commit_callbacks):
    community, member = growers
    with django_capture_on_commit_callbacks(execute=True):
        do_request_archive(actor=member, community=community)
    elsewhere = CommunityFactory()
    thread_with_post(community=community, author=member, body="More")
    with pytest.raises(TooSoon):
        do_request_archive(actor=member, community=community)
    assert do_request_archive(actor=member, community=elsewhere).outcome == "queued"


# --- Who may ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, growers):
    community, _ = growers
    response = client.get(url(community))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_non_member_of_public_community_is_refused_with_a_reason(client, growers):
    community, _ = growers
    client.force_login(UserFactory())
    response = client.get(url(community))
    assert response.status_code == 403
    assert "Only members of Growers can get its archive" in response.content.decode()
    assert client.post(url(community)).status_code == 403
    assert not ArchiveBuild.objects.exists()


def test_staff_who_are_not_members_are_refused_too(client, growers):
    community, _ = growers
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url(community)).status_code == 403


def test_members_only_community_is_a_404_to_outsiders_and_open_to_members(client):
    community = CommunityFactory(visibility="members")
    member = MembershipFactory(community=community).user
    moderator = moderator_membership(community).user
    build = ArchiveBuild.objects.create(community=community, requested_by=member, stamp="x")
    tasks.build_community_archive(build.pk)
    client.force_login(UserFactory())
    for rest in ("", "status/", f"{build.pk}/download/"):
        assert client.get(url(community, rest)).status_code == 404
    for person in (member, moderator):
        client.force_login(person)
        assert client.get(url(community)).status_code == 200
        assert client.get(url(community, f"{build.pk}/download/")).status_code == 200


def test_dissolved_community_archive_stays_with_its_former_members(client):
    community = CommunityFactory(visibility="members")
    stayed, left_after, left_before = (MembershipFactory(community=community) for _ in range(3))
    do_leave(membership=left_before)
    community.state, community.dissolved_at = "dissolved", timezone.now()
    community.save()
    do_leave(membership=left_after)
    for membership, status in ((stayed, 200), (left_after, 200), (left_before, 404)):
        client.force_login(membership.user)
        assert client.get(url(community)).status_code == status, membership


def test_home_links_members_to_the_archive_only(client, growers):
    community, member = growers
    client.force_login(member)
    assert url(community) in client.get(community.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    assert url(community) not in client.get(community.get_absolute_url()).content.decode()


def test_archive_page_query_count(client, growers, ask, django_assert_max_num_queries):
    community, member = growers
    client.force_login(member)
    ask(community)
    with django_assert_max_num_queries(8):
        assert client.get(url(community)).status_code == 200
