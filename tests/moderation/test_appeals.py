"""Appeals: who may appeal and how often, the jury drawn when one is filed, and the
appeal pages."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from moderation.appeals import check_file_appeal
from moderation.juries import check_answer_jury, check_cast_jury_vote
from moderation.models import Appeal, JuryMember, ModerationAction
from notifications.models import Notification
from tests.factories import UserFactory
from tests.moderation.appeal_case import Case, seats

pytestmark = pytest.mark.django_db
Kind = ModerationAction.Kind


@pytest.fixture
def case():
    return Case()


def test_file_appeal_draws_five_uninvolved_jurors_and_notifies_them(case):
    appeal = case.appeal()
    drawn = {s.user_id for s in seats(appeal)}
    assert appeal.mode == Appeal.Mode.JURY and len(drawn) == 5
    involved = {case.author.pk, case.mod.pk, *(u.pk for u in case.flaggers)}
    assert not drawn & involved
    assert drawn <= {u.pk for u in case.others}
    assert Notification.objects.filter(recipient_id__in=drawn, text__contains="jury").count() == 5
    assert ModerationAction.objects.filter(kind=Kind.APPEAL_FILED).count() == 1
    assert appeal.deadline - appeal.created_at == timedelta(hours=72)


def test_file_appeal_only_once(case):
    case.appeal()
    with pytest.raises(ValidationError, match="appeal once"):
        case.appeal()
    assert Appeal.objects.count() == 1


def test_file_appeal_needs_a_statement(case):
    with pytest.raises(ValidationError) as error:
        case.appeal(statement="   ")
    assert "statement" in error.value.message_dict
    with pytest.raises(ValidationError):
        case.appeal(statement="x" * 2001)
    assert not Appeal.objects.exists()


def test_file_appeal_refused_to_others_than_the_author(case):
    for actor in (case.others[0], case.mod, UserFactory(), UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            check_file_appeal(actor=actor, decision=case.decision, statement="x")


def test_appeal_of_an_appeal_is_refused(case):
    appeal = case.appeal()
    for seat in seats(appeal):
        check_answer_jury(actor=seat.user, appeal=appeal, accept=True)
    for seat in seats(appeal)[:3]:
        check_cast_jury_vote(actor=seat.user, appeal=appeal, vote="deny")
    outcome = ModerationAction.objects.get(kind=Kind.APPEAL_DENIED)
    with pytest.raises(ValidationError, match="outcome is final"):
        check_file_appeal(actor=case.author, decision=outcome, statement="again")


def test_appeal_pages(client, case):
    url = reverse(
        "moderation:appeal_new", kwargs={"slug": "orchard", "action_id": case.decision.pk}
    )
    client.force_login(case.author)
    assert client.get(url).status_code == 200
    response = client.post(url, {"statement": ""})
    assert response.status_code == 400
    assert "Tell the jury" in response.text
    response = client.post(url, {"statement": "It was a recipe."})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    juror = seats(appeal)[0].user
    client.force_login(juror)
    page = reverse("moderation:appeal", kwargs={"slug": "orchard", "appeal_id": appeal.pk})
    assert "Accept the seat" in client.get(page).text
    client.post(page, {"answer": "accept"})
    client.post(page, {"vote": "grant"})
    assert JuryMember.objects.get(appeal=appeal, user=juror).vote == "grant"
    response = client.post(page, {"vote": "deny"}, follow=True)
    assert "already voted" in response.text
