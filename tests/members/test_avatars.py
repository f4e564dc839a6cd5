"""Members' pictures: checked, squared, stripped of metadata, stored
in the database, served with long cache headers; a generated default; only one's own."""

import base64
import io
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from members import avatars
from members.account_data import do_delete_account
from members.models import Avatar
from members.profiles import check_update_profile
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    reply_to,
    thread_with_post,
)

GPS_IFD = 0x8825
MAKE = 0x010F


def photo(*, size=(640, 480), fmt="JPEG", colour=(200, 40, 40)) -> bytes:
    """A photo carrying camera and GPS metadata, as phones write them."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    exif[0x0112] = 1  # orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), comment=b"secret" if fmt == "JPEG" else None)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims a huge picture (a decompression bomb)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_make_avatar_finding_8_squares_and_strips_exif_and_gps():
    source = photo()
    assert b"PhoneCam" in source
    result = avatars.make_avatar(source)
    with Image.open(io.BytesIO(result)) as image:
        assert image.format == "WEBP" and image.size == (256, 256)
        assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"PhoneCam" not in result and b"secret" not in result and b"Exif" not in result


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_make_avatar_finding_8_reads_png_and_webp(fmt):
    with Image.open(io.BytesIO(avatars.make_avatar(photo(fmt=fmt, size=(100, 300))))) as image:
        assert image.size == (256, 256)


def test_make_avatar_finding_8_takes_a_gifs_first_frame():
    frames = [Image.new("RGB", (64, 64), colour) for colour in ((0, 0, 255), (255, 0, 0))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    with Image.open(io.BytesIO(avatars.make_avatar(out.getvalue()))) as image:
        red, green, blue = image.convert("RGB").getpixel((128, 128))
        assert blue > 200 and red < 50


def _refusal(data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        avatars.make_avatar(data)
    return caught.value.error_dict["avatar"][0].code


def test_make_avatar_finding_8_refuses_what_is_not_a_picture():
    assert _refusal(b"%PDF-1.4 not a picture") == "not_an_image"
    assert _refusal(photo()[:200]) == "not_an_image"  # cut short
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "BMP")
    assert _refusal(out.getvalue()) == "format"


def test_make_avatar_finding_8_refuses_too_big_and_too_many_pixels():
    assert _refusal(b"\xff" * (avatars.MAX_AVATAR_BYTES + 1)) == "too_large"
    assert _refusal(png_header_claiming(7000, 7000)) == "too_many_pixels"  # 49 Mpx
    assert _refusal(png_header_claiming(60000, 60000)) == "too_many_pixels"  # Pillow's bomb


def test_initials_and_colour_finding_8_are_stable():
    assert avatars.initials("Ana Lima") == "AL"
    assert avatars.initials("rosa") == "R"
    assert avatars.initials("jean_luc.picard") == "JL"
    assert avatars.initials("李 小龙") == "李小"
    assert avatars.initials("ßa") == "SS"
    assert avatars.shade("ana") == avatars.shade("ana") in range(len(avatars.PALETTE))


@pytest.mark.django_db
def test_default_avatar_finding_8_is_an_svg_of_initials_cached_for_ever(client):
    response = client.get("/avatars/AL-3.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.content.decode()
    assert ">AL</text>" in body and avatars.PALETTE[3] in body and "script" not in body
    assert "default-src 'none'" in response["Content-Security-Policy"]
    for bad in (
        "/avatars/al-3.svg",
        "/avatars/ABC-3.svg",
        "/avatars/A-99.svg",
        "/avatars/%3C-1.svg",
    ):
        assert client.get(bad).status_code == 404


# --- Views ---------------------------------------------------------------------------


def _upload(data: bytes, name="me.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.django_db
def test_profile_edit_finding_8_uploads_a_picture_served_with_long_cache(client):
    user = UserFactory(username="ana", display_name="Ana Lima")
    client.force_login(user)
    url = reverse("members:profile_edit", args=["ana"])
    form = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    response = client.post(url, {"display_name": "Ana Lima", "avatar": _upload(photo())})
    assert response.status_code == 302
    user.refresh_from_db()
    assert len(user.avatar_key) == 16
    src = f"/u/ana/avatar/{user.avatar_key}.webp"
    profile = client.get(reverse("members:profile", args=["ana"])).content.decode()
    assert f'src="{src}"' in profile

    client.logout()  # pictures are public, like profiles
    served = client.get(src)
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served["ETag"] == f'"{user.avatar_key}"'
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (256, 256) and not image.getexif()
    assert client.get(src, headers={"If-None-Match": served["ETag"]}).status_code == 304
    old = client.get("/u/ana/avatar/0123456789abcdef.webp")
    assert old.status_code == 302 and old["Location"] == src


@pytest.mark.django_db
def test_profile_edit_finding_8_removes_the_picture(client):
    user = UserFactory(username="ana")
    check_update_profile(actor=user, user=user, display_name="", bio="", avatar=photo())
    client.force_login(user)
    url = reverse("members:profile_edit", args=["ana"])
    assert "Remove my picture" in client.get(url).content.decode()
    client.post(url, {"display_name": "", "remove_avatar": "on"})
    user.refresh_from_db()
    assert user.avatar_key == "" and not Avatar.objects.exists()
    page = client.get(reverse("members:profile", args=["ana"])).content.decode()
    assert f'src="/avatars/A-{avatars.shade("ana")}.svg"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text", "That file is not a picture we can read."),
        (png_header_claiming(7000, 7000), "The picture has too many pixels"),
    ],
)
def test_profile_edit_finding_8_bad_picture_errs_beside_the_field_and_keeps_the_rest(
    client, data, message
):
    user = UserFactory(username="ana", display_name="Old", bio="Old bio")
    client.force_login(user)
    url = reverse("members:profile_edit", args=["ana"])
    response = client.post(
        url, {"display_name": "New Name", "bio": "New bio", "avatar": _upload(data, "x.png")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    errors = page[page.index('id="id_avatar_error"') :]
    assert message in errors[: errors.index("</ul>")]
    assert 'value="New Name"' in page and "New bio" in page
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.avatar_key) == ("Old", "Old bio", "")


@pytest.mark.django_db
def test_profile_edit_finding_8_too_large_a_file_errs_beside_the_field(client, monkeypatch):
    # The upload is dropped while it arrives (never kept whole), before the form sees it.
    monkeypatch.setattr("members.forms.MAX_AVATAR_BYTES", 10**9)
    user = UserFactory(username="ana")
    client.force_login(user)
    big = _upload(b"\xff\xd8" + b"\0" * (avatars.MAX_AVATAR_BYTES + 1))
    url = reverse("members:profile_edit", args=["ana"])
    response = client.post(url, {"display_name": "Typed", "avatar": big})
    assert response.status_code == 400
    page = response.content.decode()
    errors = page[page.index('id="id_avatar_error"') :]
    assert "The picture is too large: 5 MB at most." in errors[: errors.index("</ul>")]
    assert 'value="Typed"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "other", "staff"])
def test_profile_edit_finding_8_only_the_person_changes_their_picture(client, who):
    user = UserFactory(username="ana", display_name="Ana")
    url = reverse("members:profile_edit", args=["ana"])
    if who != "anonymous":
        client.force_login(UserFactory(is_staff=who == "staff", is_superuser=who == "staff"))
    response = client.post(url, {"display_name": "Taken", "avatar": _upload(photo())})
    assert response.status_code == (302 if who == "anonymous" else 403)
    if who == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
    user.refresh_from_db()
    assert (user.display_name, user.avatar_key) == ("Ana", "")
    assert not Avatar.objects.exists()


@pytest.mark.django_db
def test_check_update_profile_finding_8_refuses_staff_for_someone_else():
    user, staff = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        check_update_profile(actor=staff, user=user, display_name="x", bio="", avatar=photo())


@pytest.mark.django_db
def test_posts_finding_8_show_the_authors_picture_or_initials(client):
    community = CommunityFactory(slug="orchard")
    ana = MembershipFactory(community=community, user__username="ana").user
    ben = MembershipFactory(community=community, user__username="ben").user
    ben.display_name = "Ben Ode"
    ben.save()
    check_update_profile(actor=ana, user=ana, display_name="Ana", bio="", avatar=photo())
    thread, root = thread_with_post(community=community, author=ana)
    reply_to(root, author=ben)
    page = client.get(thread.get_absolute_url()).content.decode()
    ana.refresh_from_db()
    assert f'src="/u/ana/avatar/{ana.avatar_key}.webp"' in page
    assert 'alt=""' in page  # the name is beside it
    assert f'src="/avatars/BO-{avatars.shade("ben")}.svg" width="24" height="24" alt=""' in page


@pytest.mark.django_db
def test_thread_page_finding_8_pictures_add_no_query_per_post(client):
    community = CommunityFactory(slug="orchard")
    ana = MembershipFactory(community=community).user
    thread, root = thread_with_post(community=community, author=ana)
    url = thread.get_absolute_url()
    # The first anonymous visit also looks up the community's id for the page cache.
    client.get(url)
    counts = []
    for _ in range(2):
        for _ in range(5):
            author = MembershipFactory(community=community).user
            check_update_profile(
                actor=author, user=author, display_name="", bio="", avatar=photo(size=(40, 40))
            )
            reply_to(root, author=author)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_delete_account_finding_8_deletes_the_picture(client):
    user = UserFactory(username="ana")
    check_update_profile(actor=user, user=user, display_name="", bio="", avatar=photo())
    key = user.avatar_key
    do_delete_account(user=user)
    user.refresh_from_db()
    assert user.avatar_key == "" and not Avatar.objects.exists()
    assert client.get(f"/u/ana/avatar/{key}.webp").status_code == 404


@pytest.mark.django_db
def test_export_data_finding_8_includes_the_picture(client):
    user = UserFactory(username="ana")
    client.force_login(user)
    assert client.get("/u/ana/export.json").json()["profile"]["picture"] is None
    check_update_profile(actor=user, user=user, display_name="", bio="", avatar=photo())
    picture = client.get("/u/ana/export.json").json()["profile"]["picture"]
    assert picture["content_type"] == "image/webp"
    with Image.open(io.BytesIO(base64.b64decode(picture["base64"]))) as image:
        assert image.size == (256, 256)


@pytest.mark.django_db
def test_thread_page_finding_8_shows_a_new_picture_at_once_despite_the_cache(client):
    community = CommunityFactory(slug="orchard")
    ana, ben = (MembershipFactory(community=community).user for _ in range(2))
    thread, root = thread_with_post(community=community, author=ana)
    reply_to(root, author=ben)
    url = thread.get_absolute_url()
    assert "/avatar/" not in client.get(url).content.decode()
    check_update_profile(actor=ben, user=ben, display_name="", bio="", avatar=photo())
    assert f"/avatar/{ben.avatar_key}.webp" in client.get(url).content.decode()
