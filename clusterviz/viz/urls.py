from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    # Django's default LOGIN_URL, so @login_required needs no setting.
    path("accounts/login/", auth_views.LoginView.as_view(template_name="viz/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("clusters/<slug:name>/", views.cluster_page, name="cluster"),
]
