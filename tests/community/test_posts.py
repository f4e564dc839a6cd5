"""Posts: replying (inline with htmx and without JS), mentions, quoting, editing, deleting."""

import time

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community import actions
from community.models import Post, PostRevision, Thread
from notifications.models import Notification
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def reply_url(thread):
    return reverse(
        "community:reply", kwargs={"slug": thread.community.slug, "thread_id": thread.pk}
    )


def edit_url(post):
    return reverse(
        "community:post_edit", kwargs={"slug": post.thread.community.slug, "post_id": post.pk}
    )


def delete_url(post):
    return reverse(
        "community:post_delete", kwargs={"slug": post.thread.community.slug, "post_id": post.pk}
    )


# --- replying -------------------------------------------------------------------------------


def test_reply_without_js_redirects_to_the_new_posts_anchor(client, thread, root, bruno):
    client.force_login(bruno)
    response = client.post(reply_url(thread), {"parent": root.pk, "body": "Soup!", "token": "a"})
    post = Post.objects.get(depth=1)
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}#post-{post.pk}"
    assert post.parent_id == root.pk and post.author == bruno
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_reply_with_htmx_returns_the_new_post_fragment(client, thread, root, bruno):
    client.force_login(bruno)
    response = client.post(
        reply_url(thread),
        {"parent": root.pk, "body": "Stew, *obviously*", "token": "b"},
        headers={"HX-Request": "true"},
    )
    post = Post.objects.get(depth=1)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="post-{post.pk}"' in response.text
    assert "data-focus-after-swap" in response.text
    assert 'data-announce="Your reply is posted."' in response.text
    assert "<em>obviously</em>" in response.text
    # the thread's reply box comes back fresh, with a new one-time token
    assert 'data-hx-swap-oob="true"' in response.text
    assert 'value="b"' not in response.text


def test_reply_form_fragment_for_htmx_and_page_without_js(client, thread, root, bruno):
    client.force_login(bruno)
    url = f"{reply_url(thread)}?to={root.pk}"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert f'data-hx-target="#replies-{root.pk}"' in fragment.text
    page = client.get(url)
    assert "<html" in page.text
    assert "Soup or stew?" in page.text  # the post being answered is shown


def test_reply_with_quote_prefills_the_quoted_text(client, thread, root, bruno):
    client.force_login(bruno)
    response = client.get(f"{reply_url(thread)}?to={root.pk}&quote=1")
    assert "@alice wrote:\n\n&gt; Soup or stew?" in response.text


def test_reply_double_submit_makes_one_post(client, thread, root, bruno):
    client.force_login(bruno)
    data = {"parent": root.pk, "body": "Once", "token": "same-token"}
    client.post(reply_url(thread), data)
    client.post(reply_url(thread), data)
    assert Post.objects.filter(depth=1).count() == 1
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_reply_to_post_in_another_thread_is_refused_with_message(
    client, community, thread, alice, bruno
):
    other = actions.check_create_thread(actor=alice, community=community, title="Other", body="x")
    other_root = Post.objects.get(thread=other, depth=0)
    client.force_login(bruno)
    response = client.post(
        reply_url(thread), {"parent": other_root.pk, "body": "Wrong place", "token": "c"}
    )
    assert response.status_code == 400
    assert "does not exist in this thread" in response.text
    with pytest.raises(ValidationError, match="not in this thread"):
        actions.check_reply(actor=bruno, thread=thread, parent_id=other_root.pk, body="x")
    assert Post.objects.filter(depth=1).count() == 0


def test_reply_to_post_in_another_community_or_missing_is_refused(client, thread, bruno):
    elsewhere = CommunityFactory()
    author = MembershipFactory(community=elsewhere).user
    far = actions.check_create_thread(actor=author, community=elsewhere, title="Far", body="x")
    far_root = Post.objects.get(thread=far)
    client.force_login(bruno)
    for parent in (far_root.pk, 999999, "abc", ""):
        response = client.post(reply_url(thread), {"parent": parent, "body": "x", "token": "d"})
        assert response.status_code == 400, parent
    with pytest.raises(ValidationError, match="does not exist"):
        actions.check_reply(actor=bruno, thread=thread, parent_id=999999, body="x")
    assert Post.objects.count() == 2


def test_reply_by_non_member_is_refused(client, thread, root):
    outsider = UserFactory()
    client.force_login(outsider)
    response = client.post(reply_url(thread), {"parent": root.pk, "body": "Hi", "token": "e"})
    assert response.status_code == 403
    assert "Only members" in response.text
    with pytest.raises(PermissionDenied):
        actions.check_reply(actor=outsider, thread=thread, parent_id=root.pk, body="x")
    assert Post.objects.count() == 1


def test_reply_empty_or_too_long_keeps_the_text_and_explains(client, thread, root, bruno):
    client.force_login(bruno)
    response = client.post(reply_url(thread), {"parent": root.pk, "body": "  ", "token": "f"})
    assert response.status_code == 400
    assert "the message is empty" in response.text
    long = "word " * 10_001
    response = client.post(reply_url(thread), {"parent": root.pk, "body": long, "token": "g"})
    assert response.status_code == 400
    assert "at most 10000 characters" in response.text
    assert "word word word" in response.text
    assert Post.objects.count() == 1


def test_reply_htmx_error_retargets_the_form(client, thread, root, bruno):
    client.force_login(bruno)
    response = client.post(
        reply_url(thread),
        {"parent": root.pk, "body": "", "token": "h"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400  # swapped in all the same (base.html htmx-config)
    assert response["HX-Retarget"] == f"#reply-slot-{root.pk}"
    assert "the message is empty" in response.text


def test_reply_allocates_distinct_paths_for_siblings(thread, root, bruno, alice):
    posts = [
        actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body=str(i))
        for i in range(40)
    ]
    paths = [p.path for p in posts]
    assert len(set(paths)) == 40
    assert paths == sorted(paths)
    assert paths[34] == root.path + "00000z"
    assert paths[35] == root.path + "000010"
    root.refresh_from_db()
    assert root.child_seq == 40


# --- mentions -------------------------------------------------------------------------------


def test_mentions_link_and_notify_only_members(community, thread, root, alice, bruno):
    outsider = UserFactory(username="olga")
    post = actions.check_reply(
        actor=alice, thread=thread, parent_id=root.pk, body="Ask @Bruno and @olga and @nobody"
    )
    assert 'class="mention"' in post.body_html
    assert "/u/bruno/" in post.body_html
    assert "/u/olga/" not in post.body_html
    notes = Notification.objects.filter(kind=Notification.Kind.MENTION)
    assert [n.recipient for n in notes] == [bruno]
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert notes[0].url == post.get_absolute_url()


def test_mention_of_parent_author_notifies_once_as_reply(thread, root, alice, bruno):
    child = actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="hi @alice")
    assert child
    notes = Notification.objects.filter(recipient=alice)
    assert [n.kind for n in notes] == [Notification.Kind.REPLY]


def test_mentions_are_capped_at_20(community, thread, root, alice):
    users = [MembershipFactory(community=community).user for _ in range(25)]
    body = " ".join(f"@{u.username}" for u in users)
    actions.check_reply(actor=alice, thread=thread, parent_id=root.pk, body=body)
    assert Notification.objects.filter(kind="mention").count() == 20


# --- editing and deleting -------------------------------------------------------------------


def test_edit_keeps_every_revision_and_marks_edited(client, thread, root, alice):
    client.force_login(alice)
    response = client.post(edit_url(root), {"title": "Menu for Saturday", "body": "Soup."})
    assert response.status_code == 302
    cache.clear()  # edits are rate-limited (one per 5 s)
    client.post(edit_url(root), {"title": "Menu for Saturday", "body": "Stew."})
    root.refresh_from_db()
    thread.refresh_from_db()
    assert root.body == "Stew." and root.edited_at is not None
    assert thread.title == "Menu for Saturday" and thread.slug == "menu-for-saturday"
    bodies = list(PostRevision.objects.filter(post=root).values_list("body", flat=True))
    assert bodies == ["Soup.", "Soup or stew?"]
    history = client.get(
        reverse("community:post_revisions", kwargs={"slug": "kitchen", "post_id": root.pk})
    )
    assert "Soup or stew?" in history.text and "Menu for Friday" in history.text
    page = client.get(thread.get_absolute_url())
    assert "edited" in page.text


def test_edit_someone_elses_post_is_refused(client, thread, root, bruno):
    client.force_login(bruno)
    assert client.get(edit_url(root)).status_code == 403
    response = client.post(edit_url(root), {"body": "hijacked"})
    assert response.status_code == 403
    assert "Only its author" in response.text
    root.refresh_from_db()
    assert root.body == "Soup or stew?"
    with pytest.raises(PermissionDenied):
        actions.check_edit_post(actor=bruno, post=root, body="x")


def test_edit_post_in_members_only_community_is_404_to_outsider(client):
    private = CommunityFactory(visibility="members")
    member = MembershipFactory(community=private).user
    thread = actions.check_create_thread(actor=member, community=private, title="T", body="x")
    post = Post.objects.get(thread=thread)
    client.force_login(UserFactory())
    assert client.post(edit_url(post), {"body": "y"}).status_code == 404
    assert client.post(delete_url(post)).status_code == 404


def test_edit_refuses_empty_body_and_keeps_text(client, thread, root, alice):
    client.force_login(alice)
    response = client.post(edit_url(root), {"title": "Still here", "body": ""})
    assert response.status_code == 400
    assert "the message is empty" in response.text
    assert "Still here" in response.text


def test_delete_leaves_placeholder_and_keeps_replies(client, thread, root, alice, bruno):
    child = actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="Soup!")
    grandchild = actions.check_reply(actor=alice, thread=thread, parent_id=child.pk, body="Agreed")
    client.force_login(bruno)
    assert client.get(delete_url(child)).status_code == 200
    response = client.post(delete_url(child))
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.deleted_at is not None and child.body == "Soup!"  # nothing hard-deleted
    page = client.get(thread.get_absolute_url()).text
    assert "Deleted by its author." in page
    assert "Soup!" not in page
    assert f'id="post-{grandchild.pk}"' in page and "Agreed" in page
    assert client.post(edit_url(child), {"body": "back"}).status_code == 403


def test_delete_someone_elses_post_is_refused(client, thread, root, bruno):
    client.force_login(bruno)
    assert client.post(delete_url(root)).status_code == 403
    root.refresh_from_db()
    assert root.deleted_at is None


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        ">" * 9_990 + " deep",
        "[" * 4_999 + "x" + "]" * 4_999,
        "*" * 10_000,
        "- " * 5_000,
        "`" * 10_000,
    ],
)
def test_pathological_markdown_renders_fast(thread, root, bruno, body):
    # Accepted and rendered, or refused as over the markup budget: either way, fast.
    started = time.perf_counter()
    try:
        post = actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body=body)
    except ValidationError as error:
        assert "more formatting than we can show" in str(error)
    else:
        assert post.body_html
    assert time.perf_counter() - started < 2.0


def test_one_megabyte_body_is_refused_fast(client, thread, root, bruno):
    client.force_login(bruno)
    started = time.perf_counter()
    response = client.post(
        reply_url(thread), {"parent": root.pk, "body": "a" * 1_000_000, "token": "big"}
    )
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 400
    assert "at most 10000 characters" in response.text
    assert Thread.objects.count() == 1 and Post.objects.count() == 1


def test_nul_bytes_in_reply_are_stripped(thread, root, bruno, client):
    client.force_login(bruno)
    client.post(reply_url(thread), {"parent": root.pk, "body": "a\x00b\x01c", "token": "n"})
    assert Post.objects.get(depth=1).body == "abc"


def test_preview_renders_markdown_for_members_only(client, community, alice):
    url = reverse("community:preview", kwargs={"slug": community.slug})
    client.force_login(alice)
    response = client.post(url, {"body": "**bold** <script>alert(1)</script>"})
    assert "<strong>bold</strong>" in response.text
    assert "<script>alert" not in response.text
    client.force_login(UserFactory())
    assert client.post(url, {"body": "x"}).status_code == 403


def test_reply_too_soon_is_429_with_text_kept(client, thread, root, bruno):
    client.force_login(bruno)
    url = reply_url(thread)
    assert client.post(url, {"parent": root.pk, "body": "one"}).status_code == 302
    response = client.post(url, {"parent": root.pk, "body": "two, kept"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 30
    assert "two, kept" in response.text
    assert "Try again in" in response.text
    assert Post.objects.filter(depth=1).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_to_one_post_get_distinct_paths():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    community = CommunityFactory()
    members = [MembershipFactory(community=community).user for _ in range(6)]
    thread = actions.check_create_thread(actor=members[0], community=community, title="T", body="x")
    root = Post.objects.get(thread=thread)

    def write(member):
        try:
            for i in range(5):
                actions.do_reply(author=member, thread=thread, parent_id=root.pk, body=str(i))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(write, members))
    paths = list(Post.objects.filter(depth=1).values_list("path", flat=True))
    assert len(paths) == len(set(paths)) == 30
    thread.refresh_from_db()
    root.refresh_from_db()
    assert thread.reply_count == 30 and root.child_seq == 30


def test_hidden_and_taken_down_posts_show_placeholders_and_are_not_found(
    client, thread, root, bruno
):
    from community import selectors

    hidden = actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="rude words")
    gone = actions.check_reply(actor=bruno, thread=thread, parent_id=root.pk, body="illegal words")
    Post.objects.filter(pk=hidden.pk).update(moderation_state="hidden", moderation_reason="Spam")
    Post.objects.filter(pk=gone.pk).update(moderation_state="taken_down")
    page = client.get(thread.get_absolute_url()).text
    assert "rude words" not in page and "illegal words" not in page
    assert "Hidden while members review it: Spam." in page
    assert "Taken down by the platform." in page
    assert selectors.search_posts(user=bruno, q="words") == []
    revisions = reverse(
        "community:post_revisions", kwargs={"slug": "kitchen", "post_id": hidden.pk}
    )
    assert client.get(revisions).status_code == 404
