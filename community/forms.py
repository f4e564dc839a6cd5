"""Forms of the community app: what a person types, before the actions validate it."""

import copy
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import LineFormField, TextFormField
from core.markdown import MAX_BODY_CHARS, too_costly

BODY_HELP = _(
    "Markdown works: **bold**, *italic*, [a link](https://example.org), > quotes, lists. "
    "Mention a member with @username."
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class BodyField(TextFormField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Message"))
        kwargs.setdefault("help_text", BODY_HELP)
        kwargs.setdefault("strip", False)
        kwargs.setdefault("max_length", MAX_BODY_CHARS)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8}))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Write something first: the message is empty."),
                "max_length": _(
                    "A post can be at most %(limit_value)s characters long; this one has "
                    "%(show_value)s. Split it into several posts."
                ),
                "too_costly": _(
                    "This post has more formatting than we can show (links, emphasis, list "
                    "items, lines). Split it into several posts, or use less markup."
                ),
            },
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value is not None and not value.strip():
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if value and too_costly(value):
            raise forms.ValidationError(self.error_messages["too_costly"], code="too_costly")
        return value


class TokenMixin(forms.Form):
    # One token per rendered form: submitting it twice (a double click) makes one post.
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", new_token())


class ThreadForm(TokenMixin):
    title = LineFormField(
        label=_("Title"),
        max_length=200,
        error_messages={
            "required": _("Give the thread a title."),
            "max_length": _(
                "A title can be at most %(limit_value)s characters long; this one has "
                "%(show_value)s."
            ),
        },
    )
    goal = forms.ChoiceField(
        label=_("Goal it serves (optional)"),
        required=False,
        help_text=_("Link the thread to one of the charter's goals."),
    )
    body = BodyField()

    field_order = ["title", "goal", "body", "token"]

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [("", _("No particular goal"))] + [(g, g) for g in goals]
        if not goals:
            del self.fields["goal"]


class ReplyForm(TokenMixin):
    parent = forms.IntegerField(widget=forms.HiddenInput)
    body = BodyField(label=_("Your reply"))

    @classmethod
    def to(cls, parent, data=None, *, quote: bool = False) -> "ReplyForm":
        """The form replying to ``parent``, its ids unique on a page of many such forms;
        ``quote`` starts the body with the parent's text quoted (not a deleted or hidden
        one's)."""
        initial = {"parent": parent.pk}
        if quote and not parent.is_deleted and not parent.moderation_state:
            initial["body"] = quoted(parent)
        return cls(data, initial=initial, auto_id=f"reply-{parent.pk}-%s")


def quoted(post) -> str:
    """A post's text as a Markdown quote, naming its author."""
    lines = "\n".join(f"> {line}" if line else ">" for line in post.body.splitlines())
    return f"@{post.author.username} wrote:\n\n{lines}\n\n"


class EditPostForm(forms.Form):
    body = BodyField()

    def __init__(self, *args, with_title=False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_title:
            self.fields["title"] = copy.deepcopy(ThreadForm.base_fields["title"])
            self.order_fields(["title", "body"])


class SearchForm(forms.Form):
    q = TextFormField(label=_("Search"), max_length=200, required=False)
