"""Founding a community: forming → active, the founding charter, endorsements."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import Community
from members import joining
from members.models import Membership
from notifications.models import Notification
from purposes import founding, selectors, validation
from purposes.founding_forms import CharterForm, CommunityForm
from purposes.models import Charter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHARTER = {"purpose": "To grow food together.", "goals": ["Share seeds", "Teach growing"]}


def found(founder=None, slug="growers", **charter):
    return founding.check_found_community(
        actor=founder or UserFactory(),
        name="Growers",
        slug=slug,
        tagline="We grow",
        visibility="public",
        charter=CHARTER | charter,
    )


def join(user, community):
    joining.check_join(actor=user, community=community, affirmed=True)
    return founding.do_activate_if_quorum(community=community)


def test_check_found_community_creates_community_charter_and_founder_membership():
    founder = UserFactory()
    community = found(founder, slug="  Growers Of The Valley ")
    assert community.slug == "growers-of-the-valley"
    assert community.state == Community.State.FORMING
    charter = community.charter
    assert (charter.version, charter.author, charter.goals) == (1, founder, CHARTER["goals"])
    assert charter.seconds_required == 2 and charter.major_quorum_percent == 40
    membership = Membership.objects.get(community=community)
    assert membership.user == founder and membership.affirmed_charter == charter


@pytest.mark.parametrize("slug", ["new", "admin", "API", "static", "accounts", "search"])
def test_check_found_community_refuses_reserved_slug(slug):
    with pytest.raises(ValidationError) as error:
        found(slug=slug)
    assert error.value.code == "reserved"
    assert not Community.objects.exists()


def test_check_found_community_refuses_taken_slug_and_changes_nothing():
    found(slug="growers")
    with pytest.raises(ValidationError) as error:
        found(slug="Growers")
    assert error.value.code == "taken"
    assert Community.objects.count() == 1 and Charter.objects.count() == 1


def test_check_found_community_refuses_unverified_user():
    with pytest.raises(PermissionDenied):
        found(UserFactory(verified=False))
    assert not Community.objects.exists()


@pytest.mark.parametrize(
    ("charter", "code"),
    [
        ({"purpose": "  "}, "purpose_required"),
        ({"purpose": "x" * 5001}, "purpose_too_long"),
        ({"goals": []}, "goals_required"),
        ({"goals": [f"goal {n}" for n in range(11)]}, "too_many_goals"),
        ({"goals": ["x" * 201]}, "goal_too_long"),
        ({"quorum_percent": 0}, "rule_out_of_range"),
        ({"quorum_percent": 50, "major_quorum_percent": 40}, "major_quorum_low"),
        ({"join_policy": "owner-decides"}, "join_policy"),
    ],
)
def test_check_found_community_refuses_bad_charter(charter, code):
    with pytest.raises(ValidationError) as error:
        found(**charter)
    assert error.value.code == code
    assert not Community.objects.exists()


def test_community_form_normalises_slug_from_name_and_refuses_reserved():
    form = CommunityForm(data={"name": "Night Owls!", "slug": "", "visibility": "public"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["slug"] == "night-owls"
    form = CommunityForm(data={"name": "X", "slug": "Admin", "visibility": "public"})
    assert not form.is_valid()
    assert "reserved" in form.errors["slug"][0]


def test_charter_form_reads_goals_one_per_line_and_keeps_defaults():
    data = {"purpose": "P", "goals": "One\n\n  Two  \n", "join_policy": "open"}
    data |= {name: Charter._meta.get_field(name).default for name in validation.RULE_BOUNDS}
    form = CharterForm(data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["goals"] == ["One", "Two"]
    form = CharterForm(data=data | {"goals": "\n".join(f"g{n}" for n in range(11))})
    assert not form.is_valid() and "10 goals" in form.errors["goals"][0]


def test_joining_founders_activate_community_at_quorum(settings):
    settings.FOUNDING_QUORUM = 3
    community = found()
    b, c = UserFactory(), UserFactory()
    assert join(b, community) is False
    community.refresh_from_db()
    assert community.is_forming
    assert join(c, community) is True
    community.refresh_from_db()
    assert community.is_active and community.activated_at is not None
    assert Notification.objects.filter(kind="community", recipient=b).exists()


def test_do_activate_if_quorum_activates_once():
    community = found()
    for _ in range(2):
        join(UserFactory(), community)
    assert founding.do_activate_if_quorum(community=community) is False  # already active
    community.refresh_from_db()
    assert community.is_active


def test_forming_community_full_refuses_another_founder(settings):
    settings.FOUNDING_QUORUM = 3
    author = UserFactory()
    community = found(author)
    join(UserFactory(), community)
    # The author's edit resets B's endorsement: with C, every place is taken, 2 endorsed.
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"purpose": "Changed."}
    )
    join(UserFactory(), community)
    community.refresh_from_db()
    assert community.is_forming
    with pytest.raises(ValidationError) as error:
        joining.check_join(actor=UserFactory(), community=community, affirmed=True)
    assert error.value.code == "founding_full"
    assert Membership.objects.filter(community=community).count() == 3


def test_edit_founding_charter_resets_other_endorsements_and_needs_them_again(settings):
    settings.FOUNDING_QUORUM = 3
    author = UserFactory()
    community = found(author)
    b = UserFactory()
    join(b, community)
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"purpose": "To grow food."}
    )
    community.refresh_from_db()
    assert community.charter.purpose == "To grow food."
    assert Charter.objects.filter(community=community).count() == 1  # edited in place
    status = selectors.founding_status(community)
    assert [endorsed for _m, endorsed in status.founders] == [True, False]
    assert Notification.objects.filter(recipient=b, kind="community").exists()
    c = UserFactory()
    join(c, community)
    community.refresh_from_db()
    assert community.is_forming  # only 2 of 3 endorse the charter as it stands
    founding.check_endorse_founding_charter(
        actor=b, community=community, revision=community.charter.revision
    )
    community.refresh_from_db()
    assert community.is_active


def test_edit_founding_charter_refused_to_other_founder_and_after_activation():
    author = UserFactory()
    community = found(author)
    other = UserFactory()
    join(other, community)
    with pytest.raises(PermissionDenied):
        founding.check_edit_founding_charter(actor=other, community=community, charter=CHARTER)
    join(UserFactory(), community)
    community.refresh_from_db()
    assert community.is_active
    # After activation the founder has no right other members lack (R2, R3).
    with pytest.raises(PermissionDenied):
        founding.check_edit_founding_charter(
            actor=author, community=community, charter=CHARTER | {"purpose": "Mine now"}
        )
    community.charter.refresh_from_db()
    assert community.charter.purpose == CHARTER["purpose"]


def test_endorse_refused_to_non_founder_and_when_active():
    community = found()
    with pytest.raises(ValidationError):
        founding.check_endorse_founding_charter(
            actor=UserFactory(), community=community, revision=1
        )
    join(UserFactory(), community)
    join(UserFactory(), community)
    community.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        founding.check_endorse_founding_charter(
            actor=community.charter.author, community=community, revision=1
        )
    assert error.value.code == "not_forming"


def test_founding_quorum_of_one_activates_at_founding(settings):
    settings.FOUNDING_QUORUM = 1
    assert found().is_active
