"""Site search: /search/?q= over the threads and posts the reader may see."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from community import selectors
from community.forms import SearchForm


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = selectors.search_posts(user=request.user, q=q) if q else []
    context = {"form": form, "q": q, "results": results}
    return render(
        request,
        "community/search.html",
        context,
        status=200 if form.is_valid() or not form.is_bound else 400,
    )
