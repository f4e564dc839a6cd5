"""Refuse addresses that carry control characters, before any view or query sees them.

A NUL in a path or query value reached the database, where PostgreSQL refuses it (500);
other control characters (escape, newline, C1) have no business in an address either and
turn up in logs and headers. One check here answers 400 for every route, including
allauth's and the admin's, whatever the database.
"""

import re

from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.utils.translation import gettext as _

# C0 controls (tab and newline included), DEL, the C1 controls, and the line and
# paragraph separators (a line break by another name).
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control_characters(text: str) -> bool:
    return _CONTROL_RE.search(text) is not None


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request.path) or any(
            has_control_characters(key) or any(has_control_characters(v) for v in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                # A program reads JSON: the API's error shape, not the site's page.
                message = _("The address holds a control character.")
                return JsonResponse({"code": "control_characters", "message": message}, status=400)
            # Answered by handler400 (the site's own "bad request" page).
            raise BadRequest("Control character in the address")
        return self.get_response(request)
