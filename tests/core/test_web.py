"""core.web: an action's refusals put on a form or answered as a page or htmx fragment."""

from types import SimpleNamespace

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from core.web import add_errors, posted, refused

TEMPLATE = "moderation/refused.html"  # any page with a ``refusal`` partial showing message


class NameForm(forms.Form):
    name = forms.CharField(required=False)


def bound_form() -> NameForm:
    form = NameForm({"name": "x"})
    assert form.is_valid()
    return form


def test_add_errors_puts_messages_under_their_field():
    form = bound_form()
    add_errors(form, ValidationError({"name": "Too short."}))
    assert form.errors == {"name": ["Too short."]}


def test_add_errors_puts_none_and_unknown_keys_on_the_form():
    form = bound_form()
    add_errors(form, ValidationError({None: "Not now.", "colour": "No such field."}))
    assert form.non_field_errors() == ["Not now.", "No such field."]
    assert "name" not in form.errors


def test_add_errors_puts_an_error_without_fields_on_the_form():
    form = bound_form()
    add_errors(form, ValidationError("Something is wrong."))
    assert form.non_field_errors() == ["Something is wrong."]


def request_for(method: str, *, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    request = getattr(RequestFactory(), method.lower())("/somewhere/", headers=headers)
    request.user = AnonymousUser()
    request.htmx = HtmxDetails(request)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
def test_refused_renders_the_page_with_the_message_and_403():
    request = request_for("POST", htmx=False)
    response = refused(request, PermissionDenied("Members only."), template=TEMPLATE)
    assert response.status_code == 403
    assert "Members only." in response.text
    assert "<h1>" in response.text  # the whole page
    assert "HX-Retarget" not in response


@pytest.mark.django_db
def test_refused_passes_context_and_status_to_the_page():
    request = request_for("GET", htmx=False)
    community = SimpleNamespace(slug="plaza", name="The Plaza")
    response = refused(
        request,
        PermissionDenied("Gone."),
        template=TEMPLATE,
        context={"community": community},
        status=404,
    )
    assert response.status_code == 404
    assert "Gone." in response.text
    assert "See moderation in The Plaza" in response.text


@pytest.mark.django_db
def test_refused_says_something_when_the_error_has_no_message():
    response = refused(request_for("GET", htmx=False), PermissionDenied(), template=TEMPLATE)
    assert "You may not do that here." in response.text


def test_refused_gives_htmx_the_fragment_in_place_of_the_form_sent():
    response = refused(request_for("POST", htmx=True), PermissionDenied("No."), template=TEMPLATE)
    assert response.status_code == 403
    assert response.text.strip() == '<p class="refusal" role="alert">No.</p>'
    assert response["HX-Retarget"] == "closest form"
    assert response["HX-Reswap"] == "outerHTML"


def test_refused_leaves_the_target_of_an_htmx_get_alone():
    response = refused(request_for("GET", htmx=True), PermissionDenied("No."), template=TEMPLATE)
    assert response.status_code == 403
    assert "No." in response.text
    assert "HX-Retarget" not in response


def test_refused_gives_htmx_its_own_status_when_asked():
    request = request_for("POST", htmx=True)
    response = refused(request, PermissionDenied("No."), template=TEMPLATE, htmx_status=200)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "closest form"


def test_posted_binds_an_empty_post_and_leaves_a_get_unbound():
    factory = RequestFactory()
    assert posted(factory.get("/", {"q": "x"})) is None
    empty = posted(factory.post("/", {}))
    assert empty is not None and forms.Form(empty).is_bound
