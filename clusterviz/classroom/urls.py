from django.urls import path

from . import views

urlpatterns = [
    path("join/", views.join, name="classroom-join"),
    path("join/<str:code>/", views.join, name="classroom-join-code"),
    path("classroom/", views.index, name="classroom"),
    path("classroom/ca.crt", views.ca_certificate, name="classroom-ca"),
    path("classroom/page/<slug:cluster>/", views.page_context, name="classroom-page-context"),
    path("classroom/<slug:name>/", views.session_page, name="classroom-session"),
    path("classroom/<slug:name>/roster.json", views.roster_json, name="classroom-roster"),
    path("classroom/<slug:name>/roster.csv", views.roster_csv, name="classroom-roster-csv"),
    path("classroom/<slug:name>/close", views.close, name="classroom-close"),
    path("classroom/<slug:name>/ask", views.ask, name="classroom-ask"),
    path("classroom/<slug:name>/broadcast", views.broadcast, name="classroom-broadcast"),
    path("classroom/<slug:name>/follow", views.follow_teacher, name="classroom-follow"),
    path("classroom/<slug:name>/me/", views.me, name="classroom-me"),
    path("classroom/<slug:name>/kubeconfig", views.student_kubeconfig, name="classroom-kubeconfig"),
    path("classroom/<slug:name>/answer", views.answer, name="classroom-answer"),
    path("classroom/<slug:name>/here", views.here, name="classroom-here"),
]
