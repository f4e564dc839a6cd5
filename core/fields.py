"""Model fields that apply the one cleaning rule (``core.text``) whenever a row is
saved, whatever saved it (a form, an action, the admin, a task), and give their forms a
field that cleans the same way before validating.

``LineField`` is for one line (names, titles, taglines, short reasons): breaks become
spaces, so the text is safe in an email subject or a page title. ``CleanTextField`` is
for text of several lines (bios, charters, rationales, reasons)."""

from django import forms
from django.db import models

from core.text import clean_line, clean_text


class LineFormField(forms.CharField):
    """A form field for one line: cleaned by ``clean_line`` before validating."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_line(value) if value else value


class TextFormField(forms.CharField):
    """A form field for text of several lines that drops NUL, control and invisible
    characters before validating (a NUL byte pasted by accident should not cost the
    writer their text)."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value) if value else value


class _CleanedOnSave:
    """Applies ``cleaner`` to the value whenever the model is saved, so text that reaches
    the database by any path (a form, an action, a task) follows the one cleaning rule."""

    cleaner = staticmethod(clean_text)
    form_class = TextFormField

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = self.cleaner(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": self.form_class, **kwargs})


class LineField(_CleanedOnSave, models.CharField):
    cleaner = staticmethod(clean_line)
    form_class = LineFormField


class CleanTextField(_CleanedOnSave, models.TextField):
    pass


class CleanCharField(_CleanedOnSave, models.CharField):
    """A CharField holding text that may span lines (a vote or moderation reason)."""
