"""Threads: starting them, the nested thread page, paging, permissions, bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import actions, selectors
from community.models import Post, ReadState, Thread
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def start(author, community, title="Seeds for spring", body="Who has seeds?"):
    return actions.check_create_thread(actor=author, community=community, title=title, body=body)


def root_of(thread):
    return Post.objects.get(thread=thread, depth=0)


def reply(author, thread, parent, body="Me!"):
    return actions.check_reply(actor=author, thread=thread, parent_id=parent.pk, body=body)


def new_thread_url(community):
    return reverse("community:thread_new", kwargs={"slug": community.slug})


def reply_url(thread):
    return reverse(
        "community:reply", kwargs={"slug": thread.community.slug, "thread_id": thread.pk}
    )


# --- starting a thread ----------------------------------------------------------------------


def test_thread_new_creates_thread_and_redirects_for_member(client, community, alice):
    client.force_login(alice)
    goal = community.charter.goals[0]
    response = client.post(
        new_thread_url(community),
        {"title": "Seeds  for spring", "body": "Who has **seeds**?", "goal": goal, "token": "t1"},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert thread.title == "Seeds for spring"
    assert thread.goal == goal
    assert root_of(thread).body_html == "<p>Who has <strong>seeds</strong>?</p>"
    page = client.get(thread.get_absolute_url())
    assert "Seeds for spring" in page.text
    assert "<strong>seeds</strong>" in page.text


def test_thread_new_twice_with_same_token_makes_one_thread(client, community, alice):
    client.force_login(alice)
    data = {"title": "Once", "body": "Only once", "token": "double-click"}
    first = client.post(new_thread_url(community), data)
    second = client.post(new_thread_url(community), data)
    assert Thread.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "text"}, "Give the thread a title."),
        ({"title": "x" * 201, "body": "text"}, "at most 200 characters"),
        ({"title": "Fine", "body": "   \n  "}, "the message is empty"),
        ({"title": "Fine", "body": "b" * 10_001}, "at most 10000 characters"),
        ({"title": "Fine", "body": "text", "goal": "Not a goal"}, "Select a valid choice"),
    ],
)
def test_thread_new_refuses_bad_input_and_keeps_text(client, community, alice, data, message):
    client.force_login(alice)
    response = client.post(new_thread_url(community), data | {"token": "t"})
    assert response.status_code == 400
    assert message in response.text
    assert Thread.objects.count() == 0
    if data["body"].strip() and len(data["body"]) < 100:
        assert data["body"] in response.text


def test_thread_new_strips_nul_and_control_characters(client, community, alice):
    client.force_login(alice)
    client.post(
        new_thread_url(community),
        {"title": "Nul\x00 title\x07", "body": "bo\x00dy\x1b text", "token": "t"},
    )
    thread = Thread.objects.get()
    assert thread.title == "Nul title"
    assert root_of(thread).body == "body text"


def test_thread_new_refuses_outsider_of_public_community(client, community):
    client.force_login(UserFactory())
    response = client.post(new_thread_url(community), {"title": "Hi", "body": "x", "token": "t"})
    assert response.status_code == 403
    assert "Only members of this community can post here" in response.text
    assert Thread.objects.count() == 0


def test_thread_new_redirects_anonymous_to_login(client, community):
    response = client.get(new_thread_url(community))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_thread_new_refuses_suspended_member(client, community):
    member = MembershipFactory(
        community=community, suspended_until=timezone.now() + timedelta(days=3)
    ).user
    client.force_login(member)
    response = client.post(new_thread_url(community), {"title": "Hi", "body": "x", "token": "t"})
    assert response.status_code == 403
    assert "suspended" in response.text
    assert Thread.objects.count() == 0


def test_thread_new_refused_in_dissolved_community_but_threads_stay_readable(
    client, community, alice
):
    thread = start(alice, community)
    community.state = "dissolved"
    community.save()
    client.force_login(alice)
    response = client.post(new_thread_url(community), {"title": "Hi", "body": "x", "token": "t"})
    assert response.status_code == 403
    assert "read-only" in response.text
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    assert "read-only archive" in page.text
    assert 'id="reply-root-body"' not in page.text


def test_forming_community_members_may_discuss(client):
    forming = CommunityFactory(state="forming", activated_at=None)
    founder = MembershipFactory(community=forming).user
    client.force_login(founder)
    response = client.post(new_thread_url(forming), {"title": "Our charter", "body": "Ideas?"})
    assert response.status_code == 302
    assert Thread.objects.filter(community=forming).count() == 1


# --- reading: who sees what -----------------------------------------------------------------


def test_members_only_community_threads_are_404_to_outsiders(client):
    private = CommunityFactory(visibility="members")
    member = MembershipFactory(community=private).user
    thread = start(member, private, title="Secret plans")
    root = root_of(thread)
    urls = [
        reverse("community:thread_list", kwargs={"slug": private.slug}),
        thread.get_absolute_url(),
        reverse(
            "community:post",
            kwargs={
                "slug": private.slug,
                "thread_id": thread.pk,
                "thread_slug": thread.slug,
                "post_id": root.pk,
            },
        ),
        reply_url(thread) + f"?to={root.pk}",
        reverse("community:post_revisions", kwargs={"slug": private.slug, "post_id": root.pk}),
        reverse("community:feed", kwargs={"slug": private.slug}),
    ]
    for user in (None, UserFactory(is_staff=True, is_superuser=True)):
        client.logout()
        if user:
            client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
        response = client.post(reply_url(thread), {"parent": root.pk, "body": "x", "token": "t"})
        assert response.status_code == 404
    client.force_login(member)
    assert client.get(thread.get_absolute_url()).status_code == 200
    assert Post.objects.count() == 1


def test_public_thread_is_readable_by_anyone_without_reply_form(client, community, alice):
    thread = start(alice, community)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert "Who has seeds?" in response.text
    assert "Log in</a> to reply" in response.text
    client.force_login(UserFactory())
    response = client.get(thread.get_absolute_url())
    assert f"Only members of {community.name} can reply." in response.text


def test_thread_wrong_slug_redirects_to_canonical(client, community, alice):
    thread = start(alice, community)
    url = reverse(
        "community:thread",
        kwargs={"slug": community.slug, "thread_id": thread.pk, "thread_slug": "old-title"},
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()


def test_thread_in_other_community_is_404(client, community, alice):
    thread = start(alice, community)
    other = CommunityFactory()
    url = reverse(
        "community:thread",
        kwargs={"slug": other.slug, "thread_id": thread.pk, "thread_slug": thread.slug},
    )
    assert client.get(url).status_code == 404


# --- the nested page ------------------------------------------------------------------------


def test_thread_page_nests_replies_in_path_order(client, community, alice, bruno):
    thread = start(alice, community)
    root = root_of(thread)
    b1 = reply(bruno, thread, root, "first branch")
    a2 = reply(alice, thread, b1, "answer to bruno")
    b3 = reply(bruno, thread, root, "second branch")
    assert [p.path for p in Post.objects.filter(thread=thread).order_by("path")] == [
        "000001",
        "000001000001",
        "000001000001000001",
        "000001000002",
    ]
    html = client.get(thread.get_absolute_url()).text
    first, nested, second = (html.index(f'id="post-{p.pk}"') for p in (b1, a2, b3))
    assert first < nested < second
    # a2 sits inside b1's list of replies, which closes before b3 starts
    inner = html[html.index(f'id="replies-{b1.pk}"') : second]
    assert f'id="post-{a2.pk}"' in inner
    thread.refresh_from_db()
    assert thread.reply_count == 3


def test_thread_page_depth_cap_links_to_continue_thread(
    client, community, alice, bruno, django_assert_max_num_queries
):
    thread = start(alice, community)
    parent = root_of(thread)
    chain = []
    for i in range(10):
        parent = reply(bruno if i % 2 else alice, thread, parent, f"level {i + 1}")
        chain.append(parent)
    html = client.get(thread.get_absolute_url()).text
    assert "level 8" in html
    assert "level 9" not in html
    assert "Continue this thread" in html
    deep = chain[7]  # depth 8
    client.force_login(bruno)
    with django_assert_max_num_queries(15):
        response = client.get(
            reverse(
                "community:post",
                kwargs={
                    "slug": community.slug,
                    "thread_id": thread.pk,
                    "thread_slug": thread.slug,
                    "post_id": deep.pk,
                },
            )
        )
    assert "level 9" in response.text and "level 10" in response.text
    assert "in reply to" in response.text
    assert "Read the whole thread" in response.text


def test_thread_page_query_count_is_the_same_for_10_and_500_posts(
    client, community, alice, bruno, django_assert_max_num_queries
):
    counts = []
    for size in (10, 500):
        thread = start(alice, community, title=f"Size {size}")
        root = root_of(thread)
        _bulk_replies(thread, root, size - 1, authors=(alice, bruno))
        client.force_login(bruno)
        client.get(thread.get_absolute_url())  # the read state exists from here on
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as ctx:
            response = client.get(thread.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def _bulk_replies(thread, root, n, *, authors):
    """n replies in branches of 3 levels, written directly (fast test setup)."""
    from community.models import path_segment

    now = timezone.now()
    rows = []
    branch = None
    for i in range(n):
        if i % 3 == 0:
            branch_seq = i // 3 + 1
            path = root.path + path_segment(branch_seq)
            depth, parent_path = 1, root.path
            branch = path
        else:
            path = branch + path_segment(1) * (i % 3)
            depth, parent_path = 1 + i % 3, path[:-6]
        rows.append((path, depth, parent_path))
    by_path = {root.path: root}
    for path, depth, parent_path in rows:
        post = Post.objects.create(
            thread=thread,
            author=authors[depth % 2],
            parent=by_path[parent_path],
            path=path,
            depth=depth,
            body=f"reply {path}",
            body_html=f"<p>reply {path}</p>",
            created_at=now,
        )
        by_path[path] = post
    Post.objects.filter(pk=root.pk).update(child_seq=(n + 2) // 3)
    Thread.objects.filter(pk=thread.pk).update(reply_count=n)


def test_thread_page_pages_by_whole_top_level_branches(client, community, alice, bruno):
    thread = start(alice, community)
    root = root_of(thread)
    _bulk_replies(thread, root, 450, authors=(alice, bruno))  # 150 branches of 3
    page = selectors.post_page(thread=thread)
    assert page.root.pk == root.pk
    assert len(page.posts) == 300
    assert page.posts[-1].depth == 3  # ends with a whole branch
    second = selectors.post_page(thread=thread, after=page.next_after)
    assert len(second.posts) == 150
    assert second.next_after is None
    assert {p.pk for p in page.posts}.isdisjoint({p.pk for p in second.posts})
    html = client.get(thread.get_absolute_url()).text
    assert "Load more replies" in html
    more = client.get(
        thread.get_absolute_url(), {"after": page.next_after}, headers={"HX-Request": "true"}
    )
    assert more.status_code == 200
    assert "<html" not in more.text
    assert more.text.count('class="post-item') == 150


def test_thread_page_marks_posts_new_since_last_visit(client, community, alice, bruno):
    thread = start(alice, community)
    root = root_of(thread)
    old = reply(bruno, thread, root, "old news")
    client.force_login(alice)
    client.get(thread.get_absolute_url())
    ReadState.objects.filter(user=alice).update(read_at=old.created_at)
    fresh = reply(bruno, thread, root, "fresh news")
    response = client.get(thread.get_absolute_url())
    assert f'href="#post-{fresh.pk}">Skip to the first unread reply' in response.text
    assert response.text.count("badge--new") == 1
    assert ReadState.objects.get(user=alice, thread=thread).read_at > fresh.created_at
    listing = client.get(reverse("community:thread_list", kwargs={"slug": community.slug}))
    assert "new</span>" not in listing.text


def test_thread_list_shows_new_counts_reply_counts_and_goal(
    client, community, alice, bruno, django_assert_max_num_queries
):
    quiet = actions.check_create_thread(
        actor=alice,
        community=community,
        title="Quiet",
        body="x",
        goal=community.charter.goals[1],
    )
    busy = start(alice, community, title="Busy")
    client.force_login(alice)
    client.get(busy.get_absolute_url())
    ReadState.objects.filter(user=alice).update(read_at=timezone.now() - timedelta(minutes=1))
    reply(bruno, busy, root_of(busy))
    reply(bruno, busy, root_of(busy))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("community:thread_list", kwargs={"slug": community.slug}))
    text = response.text
    assert text.index("Busy") < text.index("Quiet")
    assert "2 new" in text
    assert "2 replies" in text
    assert community.charter.goals[1] in text
    assert quiet.title in text


def test_thread_list_paginates(client, community, alice):
    for i in range(selectors.THREADS_PER_PAGE + 1):
        start(alice, community, title=f"Thread {i}")
    url = reverse("community:thread_list", kwargs={"slug": community.slug})
    assert "Page 1 of 2" in client.get(url).text
    assert "Thread 0" in client.get(url, {"page": 2}).text


def test_admin_lists_threads_and_posts_read_only(client, community, alice):
    thread = start(alice, community)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert "Seeds for spring" in client.get("/admin/community/thread/").text
    post = root_of(thread)
    assert client.get("/admin/community/post/add/").status_code == 403
    response = client.post(f"/admin/community/post/{post.pk}/change/", {"body": "edited"})
    assert response.status_code == 403
    response = client.post(f"/admin/community/thread/{thread.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.body == "Who has seeds?"
    assert Thread.objects.count() == 1


def test_thread_page_tells_a_suspended_member_why_and_until_when(client, community, alice):
    thread = start(alice, community)
    member = MembershipFactory(
        community=community,
        suspended_until=timezone.now() + timedelta(days=3),
        suspension_reason="Repeated insults",
    ).user
    client.force_login(member)
    body = client.get(thread.get_absolute_url()).content.decode()
    assert "You are suspended in this community until" in body
    assert "Repeated insults" in body
    assert "Reply to the thread" not in body


def test_thread_page_invites_a_non_member_to_join(client, community, alice):
    thread = start(alice, community)
    client.force_login(UserFactory())
    body = client.get(thread.get_absolute_url()).content.decode()
    assert f"Only members of {community.name} can reply." in body
    assert "Join the community" in body


def test_thread_page_finding_6_each_post_has_a_heading_saying_its_place(
    client, community, alice, bruno
):
    alice.display_name = "Alice A."
    alice.save()
    thread = start(alice, community)
    root = root_of(thread)
    first = reply(bruno, thread, root, "first")
    answer = reply(alice, thread, first, "answer to Bruno")
    client.force_login(bruno)
    client.get(thread.get_absolute_url())
    ReadState.objects.filter(user=bruno).update(read_at=first.created_at)
    reply(alice, thread, root, "late")
    response = client.get(thread.get_absolute_url())
    text = response.text
    assert ">Opening post by Alice A.</h2>" in text
    assert ">Reply 1, to Alice A.</h3>" in text
    assert ">Reply 2, to bruno, unread</h3>" in text
    assert ">Reply 3, to Alice A., unread</h3>" in text
    assert f'href="#post-{answer.pk}">Skip to the first unread reply</a>' in text


def test_thread_page_finding_6_later_pages_go_on_numbering_and_permalinks_do_not_guess(
    client, community, alice, bruno
):
    thread = start(alice, community)
    root = root_of(thread)
    first = reply(bruno, thread, root, "first")
    second = reply(bruno, thread, root, "second")
    client.force_login(alice)
    later = client.get(f"{thread.get_absolute_url()}?after={first.path}&start=2")
    assert ">Reply 2, to alice</h3>" in later.text
    assert f"post-{first.pk}-heading" not in later.text
    own_page = client.get(f"{thread.get_absolute_url()}p/{second.pk}/")
    assert ">Reply to alice</h3>" in own_page.text
