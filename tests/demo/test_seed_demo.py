import io

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from community.models import Post
from members.models import Membership, User
from purposes.models import Vote
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SMALL = {"members": 6, "communities": 2, "threads": 2, "posts_per_thread": 3, "big_thread": 5}


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("members", "community", "purposes")
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    # The test runner turns DEBUG off, as production has it: the demo wants --i-know there.
    call_command("seed_demo", i_know=True)
    first = _row_counts()
    assert first["members.User"] >= 6
    call_command("seed_demo", i_know=True)
    assert _row_counts() == first
    assert "alice" in capsys.readouterr().out


def _untouched(user) -> dict:
    return {
        "memberships": Membership.objects.filter(user=user).count(),
        "posts": Post.objects.filter(author=user).count(),
        "votes": Vote.objects.filter(user=user).count(),
        "addresses": list(EmailAddress.objects.filter(user=user).values()),
        "row": list(User.objects.filter(pk=user.pk).values()),
    }


def test_seed_demo_refuses_a_database_with_a_real_alice_finding_10():
    alice = UserFactory(username="alice", email="alice@real.example")
    before = _untouched(alice)
    with pytest.raises(CommandError, match="alice"):
        call_command("seed_demo", i_know=True, stdout=io.StringIO())
    assert _untouched(alice) == before
    assert User.objects.count() == 1


def test_seed_demo_refuses_a_real_account_holding_a_demo_address_finding_10():
    UserFactory(username="alicia", email="alice@example.org")
    with pytest.raises(CommandError, match="alicia"):
        call_command("seed_demo", i_know=True, stdout=io.StringIO())
    assert User.objects.count() == 1


def test_seed_demo_refuses_a_real_community_at_a_demo_address_finding_10():
    member = MembershipFactory(community=CommunityFactory(slug="book-circle")).user
    with pytest.raises(CommandError, match="book-circle"):
        call_command("seed_demo", i_know=True, stdout=io.StringIO())
    assert Post.objects.count() == 0
    assert Membership.objects.filter(community__slug="book-circle").get().user == member


def test_seed_demo_refuses_with_debug_off_unless_told_finding_10():
    with pytest.raises(CommandError, match="--i-know"):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == 0


def test_seed_demo_runs_beside_an_unrelated_account_finding_10():
    # createsuperuser, then `make run` again: the developer's own account is not the demo's
    root = UserFactory(username="root1", is_staff=True, is_superuser=True)
    before = _untouched(root)
    call_command("seed_demo", i_know=True, stdout=io.StringIO())
    assert _untouched(root) == before
    assert set(User.objects.filter(seeded_by="seed_demo").values_list("username", flat=True)) == {
        "alice", "bruno", "chen", "dara", "emil", "fatima"
    }  # fmt: skip


@pytest.mark.parametrize("username", ["bench-zoe", "bench-1"])
def test_bench_seed_refuses_an_existing_account_finding_10(username):
    person = UserFactory(username=username, verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)
    before = _untouched(person)
    with pytest.raises(CommandError, match=username):
        call_command("bench_seed", i_know=True, stdout=io.StringIO(), **SMALL)
    assert _untouched(person) == before
    assert User.objects.count() == 1


def test_bench_seed_refuses_with_debug_off_unless_told_finding_10():
    with pytest.raises(CommandError, match="--i-know"):
        call_command("bench_seed", stdout=io.StringIO(), **SMALL)
    assert User.objects.count() == 0
    call_command("bench_seed", i_know=True, stdout=io.StringIO(), **SMALL)
    assert User.objects.filter(seeded_by="bench_seed").count() == SMALL["members"]


def test_seed_demo_finding_9_sends_no_email_for_its_made_up_history(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", i_know=True)
    assert [m.subject for m in mail.outbox] == []


def test_seed_demo_finding_9_charter_versions_dated_in_order():
    from purposes.models import Charter

    call_command("seed_demo", i_know=True)
    by_community: dict[int, list] = {}
    for charter in Charter.objects.order_by("community_id", "version"):
        by_community.setdefault(charter.community_id, []).append(charter.created_at)
    amended = [dates for dates in by_community.values() if len(dates) > 1]
    assert amended  # the demo has a community whose charter was amended
    for dates in amended:
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
