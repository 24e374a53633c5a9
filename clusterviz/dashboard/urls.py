from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico on pages that name no icon (and on the API's JSON). Not a
    # permanent redirect: other projects served on localhost:8000 would inherit it.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"))),
]
