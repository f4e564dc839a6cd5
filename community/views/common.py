"""What the thread and post pages share: their base URLs, refusals, action errors on a
form, and the no-JavaScript preview."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from community import actions, ratelimits


def posted(request):
    """The POST data, or None on GET: an empty POST still binds a form (and fails it)."""
    return request.POST if request.method == "POST" else None


def page_urls(community, thread=None) -> dict[str, str]:
    """Base URLs computed once per response, so a 300-post page does not reverse 1,500."""
    urls = {
        "posts": reverse("community:thread_list", kwargs={"slug": community.slug})[:-2] + "p/",
        "preview": reverse("community:preview", kwargs={"slug": community.slug}),
    }
    if thread is not None:
        urls["thread"] = thread.get_absolute_url()
        urls["reply"] = reverse(
            "community:reply", kwargs={"slug": community.slug, "thread_id": thread.pk}
        )
    return urls


def refused(request, error: PermissionDenied, *, community, status=403):
    message = str(error) or _("You may not do that here.")
    if request.htmx:
        response = render(
            request, "community/thread_refused.html#refusal", {"message": message}, status=status
        )
        if request.method == "POST":
            # In place of the form that was sent, not wherever a success would have gone.
            response["HX-Retarget"] = "closest form"
            response["HX-Reswap"] = "outerHTML"
        return response
    return render(
        request,
        "community/thread_refused.html",
        {"community": community, "message": message},
        status=status,
    )


def add_errors(form, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def preview_body(request, *, community, body: str, form) -> str | None:
    """The rendered body for a form's "Preview" button without JavaScript; rate-limited
    like the htmx preview (a message on the form instead when over the limit)."""
    if limited := ratelimits.hit(user=request.user, action="preview"):
        form.add_error(None, limited.message)
        return None
    return actions.render_body(community=community, body=body)[0]
