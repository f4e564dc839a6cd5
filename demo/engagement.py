"""Demo history for the health pages (`manage.py seed_demo`, idempotent).

Sixty days of conversation in three demo communities, written through the same actions
people use and then moved into the past (as demo_proposals does), chosen so that each
shows a different stage:

* Riverside Gardeners: members reply to one another and vote: a **community**;
* Book Circle (members only): two-way exchanges, no vote yet: a **network**;
* Night Cyclists: questions answered once, never back: a **gathering**.

Then the real daily job is run for each of those sixty days, so the plots show what the
job would have recorded. A community that is absent is skipped; once any of them has a
snapshot, nothing is done again.
"""

import contextlib
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import actions
from community.models import Community, Post, Thread
from engagement import snapshots
from engagement.models import EngagementSnapshot
from members import joining
from members.models import Membership
from members.permissions import forget_request_caches

HISTORY_DAYS = 60
SLUGS = ["riverside-gardeners", "book-circle", "night-cyclists"]


def _members(community: Community) -> list:
    return [
        m.user
        for m in Membership.objects.current()
        .filter(community=community)
        .select_related("user")
        .order_by("joined_at", "pk")
    ]


def _backdate_memberships(community: Community, now) -> None:
    """Members joined over the first weeks of the history, so member counts grow."""
    memberships = Membership.objects.current().filter(community=community).order_by("joined_at")
    for index, membership in enumerate(memberships):
        at = now - timedelta(days=HISTORY_DAYS + 5 - 6 * index)
        if membership.joined_at > at:
            Membership.objects.filter(pk=membership.pk).update(joined_at=at)


def _at(post: Post, when) -> Post:
    Post.objects.filter(pk=post.pk).update(created_at=when)
    if post.parent_id is None:
        Thread.objects.filter(pk=post.thread_id).update(created_at=when, last_activity_at=when)
    return post


def _thread(community, author, title, body, when, goal="") -> Post:
    forget_request_caches(author)
    thread = actions.do_create_thread(
        author=author, community=community, title=title, body=body, goal=goal
    )
    return _at(thread.posts.get(depth=0), when)


def _reply(parent: Post, author, body, when) -> Post:
    forget_request_caches(author)
    post = actions.do_reply(author=author, thread=parent.thread, parent_id=parent.pk, body=body)
    return _at(post, when)


def _gardeners(community, people, now) -> None:
    """Every few days someone starts a thread; the others answer, and are answered."""
    goals = list(community.charter.goals) if community.charter_id else []
    topics = [
        ("Who has spare bean poles?", "Mine blew over in the wind; has anyone got a few?"),
        ("Watering rota for the heatwave", "Shall we take turns, two evenings each?"),
        ("Seed swap: what are you bringing?", "I have too many squash seeds, as ever."),
        ("The compost bins are full", "Can someone help turn them on Saturday?"),
        ("Slugs on plot 4", "Beer traps, copper tape, or patience?"),
        ("Teaching Dara to prune", "Dara asked how to prune the apples; anyone free?"),
        ("Harvest supper", "Shall we cook what we grew, all together, next month?"),
        ("Fixing the gate", "The latch is broken again; I can bring tools."),
        ("Winter plans", "Which plots stay open over winter?"),
        ("Rain barrels", "The council offers cheap barrels; worth it?"),
    ]
    for index, (title, body) in enumerate(topics):
        day = HISTORY_DAYS - 2 - index * 6
        when = now - timedelta(days=day, hours=3)
        author = people[index % len(people)]
        goal = goals[index % len(goals)] if goals and index % 2 == 0 else ""
        root = _thread(community, author, title, body, when, goal=goal)
        # Early on people answer the opener only; later they talk with one another.
        repliers = [p for p in people if p != author][: 1 + min(index, 3)]
        for offset, replier in enumerate(repliers):
            answer = _reply(
                root, replier, "I can help with that.", when + timedelta(hours=2 + offset)
            )
            if index >= 2:
                _reply(answer, author, "Thank you, see you there.", when + timedelta(hours=5))


def _book_circle(community, people, now) -> None:
    books = ["Middlemarch", "The Dispossessed", "Pachinko", "Small Island", "Stoner"]
    for index, book in enumerate(books):
        when = now - timedelta(days=HISTORY_DAYS - 5 - index * 11)
        host = people[index % len(people)]
        root = _thread(community, host, f"This month: {book}", "First impressions?", when)
        guests = [p for p in people if p != host]
        answer = _reply(root, guests[0], "I loved the opening chapters.", when + timedelta(hours=6))
        if index >= 1:
            _reply(answer, host, "Same here; the ending surprised me.", when + timedelta(days=1))
        if len(guests) > 1:
            _reply(root, guests[1], "Still reading, no spoilers!", when + timedelta(days=2))


def _cyclists(community, people, now) -> None:
    asker, *others = people
    questions = [
        "Which route is lit after Canal Street?",
        "Anyone riding Thursday from the station?",
        "Best lights under 30 pounds?",
    ]
    for index, question in enumerate(questions):
        when = now - timedelta(days=HISTORY_DAYS - 10 - index * 15)
        root = _thread(community, asker, question, "Asking for the group.", when)
        if others:
            _reply(
                root, others[index % len(others)], "Try the river path.", when + timedelta(days=1)
            )


def _reaffirm(community) -> None:
    """After a purpose change (demo_proposals), most members affirm the new charter."""
    for user in _members(community)[:-1]:
        forget_request_caches(user, community)
        # Already affirmed, or not allowed (suspended): leave them as they are.
        with contextlib.suppress(PermissionDenied, ValidationError):
            joining.check_affirm_charter(actor=user, community=community)


def seed(users: dict) -> None:
    communities = {
        c.slug: c for c in Community.objects.select_related("charter").filter(slug__in=SLUGS)
    }
    if not communities or EngagementSnapshot.objects.filter(community__in=communities.values()):
        return
    now = timezone.now()
    for slug, write in (
        ("riverside-gardeners", _gardeners),
        ("book-circle", _book_circle),
        ("night-cyclists", _cyclists),
    ):
        community = communities.get(slug)
        if community is None or community.is_dissolved:
            continue
        people = _members(community)
        if len(people) < 2:
            continue
        _backdate_memberships(community, now)
        write(community, people, now)
    if gardeners := communities.get("riverside-gardeners"):
        gardeners.refresh_from_db()
        _reaffirm(gardeners)
    today = now.date()
    for back in range(HISTORY_DAYS, 0, -1):
        snapshots.take_snapshots(day=today - timedelta(days=back))
