import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("members", "community", "purposes")
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    first = _row_counts()
    assert first["members.User"] >= 6
    call_command("seed_demo")
    assert _row_counts() == first
    assert "alice" in capsys.readouterr().out


def test_seed_demo_finding_9_sends_no_email_for_its_made_up_history(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert [m.subject for m in mail.outbox] == []


def test_seed_demo_finding_9_charter_versions_dated_in_order():
    from purposes.models import Charter

    call_command("seed_demo")
    by_community: dict[int, list] = {}
    for charter in Charter.objects.order_by("community_id", "version"):
        by_community.setdefault(charter.community_id, []).append(charter.created_at)
    amended = [dates for dates in by_community.values() if len(dates) > 1]
    assert amended  # the demo has a community whose charter was amended
    for dates in amended:
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
