from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/clusters/<slug:name>/", consumers.ClusterConsumer.as_asgi()),
]
