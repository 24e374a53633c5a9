from django.urls import path

from . import lesson_views, views

urlpatterns = [
    path("clusters/<str:cluster>/sim/", views.state),
    path("clusters/<str:cluster>/sim/play", views.play),
    path("clusters/<str:cluster>/sim/pause", views.pause),
    path("clusters/<str:cluster>/sim/step", views.step),
    path("clusters/<str:cluster>/sim/speed", views.speed),
    path("clusters/<str:cluster>/sim/live", views.live),
    path("clusters/<str:cluster>/sim/components", views.components),
    path("clusters/<str:cluster>/sim/components/<path:name>/<str:action>", views.component_action),
    path("clusters/<str:cluster>/sim/schedulers", views.schedulers),
    path("clusters/<str:cluster>/sim/replicas", views.replicas),
    path("clusters/<str:cluster>/sim/faults", views.faults),
    path("clusters/<str:cluster>/sim/steps", views.steps),
    path("clusters/<str:cluster>/sim/revisions/<int:revision>", views.revision),
    path("clusters/<str:cluster>/sim/decisions/<str:namespace>/<str:pod>", views.decision),
    path("clusters/<str:cluster>/sim/nodes/<str:node>/containers", views.containers),
    path("clusters/<str:cluster>/sim/nodes/<str:node>/iptables", views.iptables),
    path("clusters/<str:cluster>/sim/nodes/<str:node>/network", views.network),
    path("clusters/<str:cluster>/sim/pods/<str:namespace>/<str:pod>/network", views.pod_network),
    path("clusters/<str:cluster>/sim/trace", views.trace),
    path("clusters/<str:cluster>/sim/pods/<str:namespace>/<str:pod>/exec", views.exec_in_pod),
    path("clusters/<str:cluster>/sim/nodes/<str:node>/manifests", views.manifests),
    path("clusters/<str:cluster>/sim/nodes/<str:node>/manifests/<str:file>/<str:action>", views.manifest),
    path("clusters/<str:cluster>/sim/ingress", views.ingress),
    path("clusters/<str:cluster>/sim/ingress/install", views.ingress_install),
    # the Lessons panel (clusterviz.sim.lessons)
    path("clusters/<str:cluster>/sim/lessons", lesson_views.catalogue),
    path("clusters/<str:cluster>/sim/lessons/new", lesson_views.new_cluster),
    path("clusters/<str:cluster>/sim/lesson", lesson_views.show),
    path("clusters/<str:cluster>/sim/lesson/start", lesson_views.start),
    path("clusters/<str:cluster>/sim/lesson/run", lesson_views.run_step),
    path("clusters/<str:cluster>/sim/lesson/next", lesson_views.next_step),
    path("clusters/<str:cluster>/sim/lesson/back", lesson_views.previous_step),
    path("clusters/<str:cluster>/sim/lesson/stop", lesson_views.stop),
]
