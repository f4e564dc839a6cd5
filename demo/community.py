"""Demo threads and posts for `manage.py seed_demo` (idempotent).

Communities are founded in demo.purposes; here their members talk, through the same
actions the site uses. A community that is absent (or a thread already there) is skipped.
"""

from community import actions
from community.models import Community, Post, Thread
from members.permissions import forget_request_caches


def _community(slug: str) -> Community | None:
    return Community.objects.select_related("charter").filter(slug=slug).first()


def _start(author, community: Community, title: str, body: str, goal_index=None) -> Thread | None:
    if Thread.objects.filter(community=community, title=title).exists():
        return None
    forget_request_caches(author)
    goals = community.charter.goals if community.charter_id else []
    goal = goals[goal_index] if goal_index is not None and goal_index < len(goals) else ""
    return actions.check_create_thread(
        actor=author, community=community, title=title, body=body, goal=goal
    )


def _reply(author, parent: Post, body: str) -> Post:
    forget_request_caches(author)
    return actions.check_reply(actor=author, thread=parent.thread, parent_id=parent.pk, body=body)


def _root(thread: Thread) -> Post:
    root = Post.objects.get(thread=thread, depth=0)
    root.thread = thread
    return root


def seed(users: dict) -> None:
    alice, bruno, chen = users["alice"], users["bruno"], users["chen"]
    emil, fatima, dara = users["emil"], users["fatima"], users["dara"]

    if gardeners := _community("riverside-gardeners"):
        _seed_gardeners(gardeners, alice, bruno, chen, emil)

    if circle := _community("book-circle"):
        _seed_circle(circle, alice, chen, emil)

    if kitchen := _community("community-kitchen"):
        _start(
            fatima,
            kitchen,
            "Which shops will give us their surplus?",
            "Before we open, let's list the shops that might give us food at closing time. "
            "@dara, you walk past the market every day: could you ask the bakery?",
            goal_index=1,
        )
        forget_request_caches(dara)


def _seed_gardeners(community: Community, alice, bruno, chen, emil) -> None:
    thread = _start(
        alice,
        community,
        "Seed swap this spring: date and place",
        "It's time to plan the **seed swap**. Two questions:\n\n"
        "1. Saturday 14 or Sunday 15 March?\n"
        "2. At the shed, or in the library hall if it rains?\n\n"
        "Bring seeds in paper envelopes, labelled with the variety and the year.",
        goal_index=1,
    )
    if thread is not None:
        root = _root(thread)
        b1 = _reply(bruno, root, "Saturday works for me. The shed is fine unless it pours.")
        a2 = _reply(
            alice,
            b1,
            "Thanks @bruno. @emil, could we book the library hall as a fallback?",
        )
        e3 = _reply(emil, a2, "Booked from 10 to 2. It's free for community groups.")
        c4 = _reply(chen, e3, "> Booked from 10 to 2\n\nPerfect. I'll bring the tomato seeds.")
        _reply(bruno, c4, "Which tomatoes? The yellow ones from last summer were great.")
        oops = _reply(chen, root, "Sunday for me, sorry — I teach on Saturdays.")
        actions.check_edit_post(
            actor=chen,
            post=oops,
            body="Sunday would suit me better (I teach on Saturday mornings), "
            "but I can come after 1 pm on Saturday.",
        )
        wrong = _reply(emil, root, "Is this the thread about the compost rota?")
        _reply(alice, wrong, "No, that one is in the compost thread, but welcome anyway!")
        actions.check_delete_post(actor=emil, post=wrong)

    if second := _start(
        bruno,
        community,
        "Compost rota",
        "Who turns the compost which week? Reply with the weeks you can do.",
        goal_index=0,
    ):
        first = _reply(emil, _root(second), "Weeks 1 and 3.")
        _reply(alice, first, "I'll take 2 and 4 then.")


def _seed_circle(circle: Community, alice, chen, emil) -> None:
    if thread := _start(
        emil,
        circle,
        "March book: The Dispossessed",
        "Ursula K. Le Guin's *The Dispossessed* won the vote. "
        "We meet on the first Monday; bring one passage you want to talk about.",
        goal_index=0,
    ):
        first = _reply(chen, _root(thread), "Halfway through. Anarres is bleaker than I expected.")
        _reply(alice, first, "Keep going, @chen: the second half changes how you read the first.")
