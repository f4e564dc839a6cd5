"""What the thread and post pages share: their base URLs, how they refuse, and the
no-JavaScript preview."""

from django.urls import reverse

from community import actions

# The page (and its ``refusal`` partial, for htmx) a refused thread or post action shows.
REFUSED = "community/thread_refused.html"


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


def preview_body(request, *, community, body: str, form) -> str | None:
    """The rendered body for a form's "Preview" button without JavaScript; rate-limited
    like the htmx preview (a message on the form instead when over the limit)."""
    if request.rate_limit.exceeded(form=form, action="preview"):
        return None
    return actions.render_body(community=community, body=body)[0]
