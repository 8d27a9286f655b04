"""/api/: version 1 of the REST API. Every answer under it, even 404 and 405, is JSON."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from .problems import problem
from .v1 import api


def _problem_on_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    # Ninja answers a wrong method with Django's bare 405; give the problem document instead.
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            return problem(
                status=405,
                detail=f"{request.method} is not allowed here; use {allowed}.",
                headers={"Allow": allowed},
            )
        return response

    return wrapper


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem(status=404, detail="No API endpoint at this address.")


def _v1_patterns() -> list:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _problem_on_405(pattern.callback)
    return [path("", include((patterns, app_name), namespace=namespace))]


urlpatterns = [
    path("v1/", include(_v1_patterns())),
    # [\s\S], not ".": a path ending in an encoded newline must land here too.
    re_path(r"^(?P<rest>[\s\S]*)$", not_found),
]
