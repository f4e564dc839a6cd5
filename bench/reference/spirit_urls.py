"""URLconf of the reference forum (Spirit's project template without the admin site)."""

import spirit.urls
from django.urls import include, path

urlpatterns = [path("", include(spirit.urls))]
