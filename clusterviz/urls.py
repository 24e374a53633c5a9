"""Django's pages. The Kubernetes API paths never reach here: ``clusterviz.kubeapi.asgi``
answers them in front of Django (see ``clusterviz/asgi.py``)."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("clusterviz.dashboard.urls")),
    path("", include("clusterviz.sim.urls")),
    path("", include("clusterviz.viz.urls")),
    path("", include("clusterviz.classroom.urls")),
]
