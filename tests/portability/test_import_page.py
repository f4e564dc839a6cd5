"""The staff's import page: upload, read the verification, confirm; refusals."""

import io
import zipfile

import pytest

from community.models import Community
from portability.archive import build_archive
from portability.models import ImportedCommunity
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, thread_with_post

pytestmark = pytest.mark.django_db
URL = "/staff/import/"


@pytest.fixture
def archive(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    old = CommunityFactory(slug="growers", name="Growers")
    thread_with_post(community=old, author=MembershipFactory(community=old).user, body="Hi")
    return build_archive(old)


def upload(client, data, name="growers.zip"):
    return client.post(URL, {"archive": _file(data, name)})


def _file(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/zip")


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True))
    return client


def test_staff_upload_see_the_manifest_confirm_and_the_home_shows_the_import(staff, archive):
    page = upload(staff, archive).content.decode()
    assert "verified" in page and "Growers" in page and "posts.jsonl" in page
    import hashlib

    digest = hashlib.sha256(archive).hexdigest()
    assert digest in page
    response = staff.post(f"{URL}confirm/", {"sha256": digest, "slug": "growers-new"})
    assert response.status_code == 302 and response["Location"] == "/c/growers-new/"
    home = staff.get("/c/growers-new/").content.decode()
    assert "imported" in home and digest in home and "http" in home
    assert "Claim your place" in home
    assert Community.objects.get(slug="growers-new").state == "forming"


def test_a_taken_address_is_refused_on_the_form_with_nothing_lost(staff, archive):
    upload(staff, archive)
    import hashlib

    digest = hashlib.sha256(archive).hexdigest()
    response = staff.post(f"{URL}confirm/", {"sha256": digest, "slug": "growers"})
    assert response.status_code == 400
    assert "exists here already" in response.content.decode()
    assert not ImportedCommunity.objects.exists()


def test_a_tampered_or_truncated_archive_is_refused_with_its_reason(staff, archive):
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["posts.jsonl"] = files["posts.jsonl"].replace(b"Hi", b"Yo")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    response = upload(staff, buffer.getvalue())
    assert response.status_code == 400
    assert "does not match the SHA-256" in response.content.decode()
    response = upload(staff, archive[: len(archive) // 2])
    assert "not a complete zip archive" in response.content.decode()
    assert not ImportedCommunity.objects.exists()


def test_confirm_without_a_checked_upload_asks_for_it_again(staff, archive):
    response = staff.post(f"{URL}confirm/", {"sha256": "0" * 64, "slug": "x"}, follow=True)
    assert "upload the archive again" in response.content.decode()


@pytest.mark.parametrize("who", ["member", "moderator", "plain"])
def test_everyone_but_staff_is_refused(client, archive, who):
    user = UserFactory()
    if who != "plain":
        MembershipFactory(community=Community.objects.get(), user=user,
                          role="moderator" if who == "moderator" else "member")  # fmt: skip
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert upload(client, archive).status_code == 403
    assert client.post(f"{URL}confirm/", {"sha256": "0" * 64}).status_code == 403
    assert not ImportedCommunity.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
