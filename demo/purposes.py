"""Demo communities for `manage.py seed_demo`, founded, joined and decided through the
same actions people use (each join made as the joining user). Idempotent: a community
whose address exists already is left as it is."""

from django.utils import timezone

from community.models import Community
from members import applications, invitations, joining
from members.permissions import forget_request_caches
from purposes import founding
from purposes.models import JoinPolicy

# The addresses of the demo communities: the demo refuses to run where a community at one
# of them has a member it did not create (it would post and vote in a real community).
DEMO_SLUGS = (
    "riverside-gardeners",
    "night-cyclists",
    "book-circle",
    "community-kitchen",
    "tool-library",
)


def _charter(purpose: str, goals: list[str], join_policy: str = JoinPolicy.OPEN) -> dict:
    return {"purpose": purpose, "goals": goals, "join_policy": join_policy}


def _found(founder, slug: str, name: str, tagline: str, charter: dict, visibility="public"):
    community = Community.objects.filter(slug=slug).first()
    if community is not None:
        return None
    return founding.check_found_community(
        actor=founder,
        name=name,
        slug=slug,
        tagline=tagline,
        visibility=visibility,
        charter=charter,
    )


def _join(user, community: Community) -> None:
    forget_request_caches(user, community)
    joining.check_join(actor=user, community=community, affirmed=True)
    founding.do_activate_if_quorum(community=community)


def _admit(applicant, decider, community: Community, motivation: str) -> None:
    forget_request_caches(applicant, decider, community)
    application = applications.check_apply(
        actor=applicant, community=community, motivation=motivation, affirmed=True
    )
    forget_request_caches(applicant, decider, community)
    applications.check_decide_application(
        actor=decider, application=application, admit=True, reason="Welcome aboard."
    )
    founding.do_activate_if_quorum(community=community)


def _accept(invitee, inviter, community: Community) -> None:
    forget_request_caches(invitee, inviter, community)
    invitation = invitations.check_invite(
        actor=inviter, community=community, username=invitee.username
    )
    invitations.check_accept_invitation(actor=invitee, invitation=invitation, affirmed=True)
    founding.do_activate_if_quorum(community=community)


def seed(users: dict) -> None:
    alice, bruno, chen = users["alice"], users["bruno"], users["chen"]
    dara, emil, fatima = users["dara"], users["emil"], users["fatima"]

    # Open and active, public.
    if gardeners := _found(
        alice,
        "riverside-gardeners",
        "Riverside Gardeners",
        "Shared plots by the river, tended together",
        _charter(
            "We look after the riverside allotments together, share tools, seeds and "
            "harvests, and keep the gardens open to every neighbour who wants to grow food.",
            [
                "Keep every plot tended through the year",
                "Hold a seed swap each spring",
                "Teach one new gardener a month",
            ],
        ),
    ):
        for user in (bruno, chen, emil):
            _join(user, gardeners)

    # By application, active, public; Dara's application is pending.
    if cyclists := _found(
        bruno,
        "night-cyclists",
        "Night Cyclists",
        "Safe evening rides through the city",
        _charter(
            "We ride together after dark so that cycling at night is safe and sociable, "
            "and we press the city for better lit cycle lanes.",
            ["Ride together every Thursday", "Map the badly lit streets"],
            JoinPolicy.APPLICATION,
        ),
    ):
        _admit(chen, bruno, cyclists, "I commute by bike and would love company on the way home.")
        _admit(fatima, chen, cyclists, "I cycle to the kitchen late and want safer routes.")
        applications.check_apply(
            actor=dara,
            community=cyclists,
            motivation="New in town; I would like to learn the safe routes.",
            affirmed=True,
        )

    # By invitation, members only, active; Fatima's invitation is pending.
    if circle := _found(
        emil,
        "book-circle",
        "Book Circle",
        "A small reading group that meets monthly",
        _charter(
            "We read one book a month and talk about it honestly, in a small group where "
            "everyone gets to speak.",
            ["Choose each book together", "Meet on the first Monday of the month"],
            JoinPolicy.INVITATION,
        ),
        visibility=Community.Visibility.MEMBERS,
    ):
        _accept(chen, emil, circle)
        _accept(alice, emil, circle)
        invitations.check_invite(actor=emil, community=circle, username=fatima.username)

    # Forming, open: two founders have endorsed so far.
    if kitchen := _found(
        fatima,
        "community-kitchen",
        "Community Kitchen",
        "Cooking together, eating together",
        _charter(
            "We cook a weekly meal with surplus food from local shops, and share it with "
            "anyone who comes, for free.",
            ["Cook every Sunday", "Waste no food that can be eaten"],
        ),
    ):
        _join(dara, kitchen)

    # Dissolved: an archive. Dissolution is decided by proposal (the proposals work); the
    # demo marks this one dissolved directly to show what an archive looks like.
    if tools := _found(
        alice,
        "tool-library",
        "Tool Library",
        "Lending drills and ladders, until the council took it over",
        _charter(
            "We lent tools to neighbours so nobody had to buy a drill for one hole.",
            ["Lend tools for free", "Repair what breaks"],
        ),
    ):
        for user in (bruno, dara):
            _join(user, tools)
        Community.objects.filter(pk=tools.pk).update(
            state=Community.State.DISSOLVED, dissolved_at=timezone.now()
        )
