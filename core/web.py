"""What a view answers when an action says no, in one place for every app.

Actions refuse in two ways (see CONVENTIONS.md): ``PermissionDenied`` when the actor may
not do this at all, ``ValidationError`` keyed by form field (``None`` for the form as a
whole) when the input is wrong. A view catches them and hands them here:

    try:
        check_do_something(actor=request.user, **form.cleaned_data)
    except PermissionDenied as error:
        return refused(request, error, template="app/refused.html", context={...})
    except ValidationError as error:
        add_errors(form, error)
        return render(request, template, context, status=400)

``act`` is that ``try`` for a form, ``say_error`` for a step with no form (a button whose
refusal is shown as a message after the redirect).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def posted(request):
    """The POST data to bind a form to, or None on GET: an empty POST still binds a form
    (and fails it), where ``request.POST or None`` would show it unbound."""
    return request.POST if request.method == "POST" else None


def add_errors(form: Form, error: ValidationError) -> None:
    """Put an action's ``error`` on ``form``: each message under the field it names when
    the form has that field, else on the form as a whole (``None`` and unknown keys, and an
    error that names no field at all), so no message is ever lost."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, field_messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, field_messages)


def act(form: Form, action, /, **arguments):
    """What ``action(**arguments)`` returns; or, when it refuses the input, None with its
    ``ValidationError`` on ``form`` (``add_errors``)."""
    try:
        return action(**arguments)
    except ValidationError as error:
        add_errors(form, error)
        return None


def say_error(request, error: ValidationError) -> None:
    """An action's refusal as the message shown on the next page."""
    messages.error(request, " ".join(error.messages))


def refused(
    request,
    error: PermissionDenied,
    *,
    template: str,
    context: dict | None = None,
    status: int = 403,
    htmx_status: int | None = None,
) -> HttpResponse:
    """The answer to a refusal: the page ``template`` (rendered with ``context`` and the
    refusal's ``message``), with ``status``.

    An htmx request gets only the page's ``refusal`` partial (``template#refusal``, which
    shows ``message``), with ``htmx_status`` (by default the same status: base.html's
    htmx-config swaps 4xx bodies in). After an htmx POST it replaces the form that was
    sent (``HX-Retarget: closest form``), not wherever a success would have gone."""
    message = str(error) or _("You may not do that here.")
    if request.htmx:
        response = render(
            request, f"{template}#refusal", {"message": message}, status=htmx_status or status
        )
        if request.method == "POST":
            response["HX-Retarget"] = "closest form"
            response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, template, {**(context or {}), "message": message}, status=status)
