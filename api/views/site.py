"""The API itself (``/api/v1/``): the NinjaAPI object, its errors as JSON, ETags on reads,
and the interactive docs page served under the site's Content Security Policy."""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotModified
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.openapi.docs import DocsBase

from api.auth import ApiError
from api.views import more, reads, writes  # noqa: F401 (importing them adds their routes)
from api.views.common import router, validation_error


class CspSwagger(DocsBase):
    """Swagger UI from our own static files (django-ninja ships them), each script tag with
    the request's CSP nonce and the settings in a JSON data block: no inline script, no
    stylesheet from another origin, so the site's policy stays as it is."""

    def render_page(self, request, api, **kwargs):
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
        }
        context = {"api": api, "swagger_settings": settings}
        return render(request, "api/docs.html", context)


class CommonsAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        """A successful read gets a strong ETag of its body; a request that already holds
        it (If-None-Match) gets 304 and no body, so a bot can poll cheaply."""
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
            response["ETag"] = etag
            response["Vary"] = "Authorization"
            response["Cache-Control"] = "private, no-cache"
            asked = request.headers.get("If-None-Match", "")
            if etag in [tag.strip() for tag in asked.split(",")] or asked.strip() == "*":
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = etag
                response = not_modified
        # Where the caller stands against its request limits (api.throttle).
        if (quota := getattr(request, "rate_quota", None)) is not None:
            for name, value in quota.headers().items():
                response[name] = value
        return response


api = CommonsAPI(
    title="Commons API",
    version="1",
    description=(
        "Everything a member can do in the browser, a program can do for them, under the "
        "same rules. Authenticate with a personal access token: "
        "`Authorization: Bearer cmn_…` (make one in your settings)."
    ),
    docs=CspSwagger(),
    docs_url="/docs",
    urls_namespace="api-v1",
)
api.add_router("", router)


def error(request, status: int, code: str, message: str, **extra):
    response = api.create_response(
        request, {"code": code, "message": message, **extra}, status=status
    )
    return response


@api.exception_handler(ApiError)
def api_error(request, exc: ApiError):
    extra = {"fields": exc.fields} if exc.fields else {}
    response = error(request, exc.status, exc.code, exc.message, **extra)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="commons"'
    return response


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return error(request, 403, "forbidden", str(exc) or _("You may not do that here."))


@api.exception_handler(ValidationError)
def refused(request, exc):
    return api_error(request, validation_error(exc))


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(request, 404, "not_found", _("There is nothing here, or not for you."))


def unknown(request, rest=""):
    """Any other address under /api/v1/: a JSON 404, not the site's HTML page."""
    return error(request, 404, "not_found", _("There is no such API address."))


@api.exception_handler(SchemaError)
def schema_error(request, exc: SchemaError):
    """Wrong types, missing or unknown fields: each problem under the field it concerns."""
    fields: dict[str, list[str]] = {}
    for problem in exc.errors:
        loc = list(problem.get("loc", ()))
        # ("body", "data", "field") → "field": the body's schema parameter is not a field.
        where = ".".join(str(part) for part in loc[2 if loc[:1] == ["body"] else 1 :])
        where = where or "__all__"
        fields.setdefault(where, []).append(problem.get("msg", "invalid"))
    message = "; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in fields.items())
    return error(request, 422, "invalid_request", message, fields=fields)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return error(request, 401, "authentication_required", _("Send a personal access token."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return error(request, 400, "malformed_json", _("The request body is not valid JSON."))
    return error(request, exc.status_code, "error", str(exc))
