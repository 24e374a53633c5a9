"""kube-scheduler's framework, plugins and scheduling algorithm, as pure functions of a snapshot.

Nothing here talks to the API server: the scheduler component feeds a :class:`Snapshot` from its
informers and binds what :func:`simulation.scheduler.algorithm.schedule_pod` chooses.
"""
