"""The cluster page's configuration: the browser lists and watches the resources the
websocket consumer accepts, because the server hands it that one list."""
from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.viz.consumers import WATCHABLE


@pytest.mark.django_db(transaction=True)
def test_the_page_receives_the_watched_resources_from_the_server(client) -> None:
    create_cluster("watched")
    client.force_login(get_user_model().objects.create_user("learner", password="learner-pass-1"))
    page = client.get("/clusters/watched/").content.decode()
    config = json.loads(re.search(r'<script id="viz-config" type="application/json">(.*?)</script>', page).group(1))
    assert config["resources"] == WATCHABLE
