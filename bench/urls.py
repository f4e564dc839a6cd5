"""The real site's URLs plus Django's own ceiling on this machine: a bare response and a
template page of 20 items with no database (the page frame of base.html included)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

ITEMS = [
    {"title": f"Item {i}: the shed rota and the seed swap", "author": f"Member {i}", "n": i}
    for i in range(1, 21)
]


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def template_only(request):
    return render(request, "bench/items.html", {"items": ITEMS})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/template/", template_only),
    *site_urlpatterns,
]
