"""The Deployment controller, laid out as upstream's ``pkg/controller/deployment``:
``deployment_controller.py`` (the controller, its handlers and ``sync_handler``), ``sync.py``
(ReplicaSets found or created, scaled, cleaned up; status), ``progress.py`` (the Progressing
condition and the deadline), ``rolling.py`` and ``recreate.py`` (the two strategies) and
``util.py`` (upstream's ``util/deployment_util.go``)."""
