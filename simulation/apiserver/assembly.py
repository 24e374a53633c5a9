"""Assembling an API server from its plugins — the one place the chain's members are named.

Django (``clusterviz.clusters.apiservers``), unit tests and headless runs all call
:func:`new_apiserver`, so every deployment runs the same chain in the same order.
"""
from __future__ import annotations

import functools
import time
from typing import Callable

from simulation.store import Store

from .admission.registry import MUTATING, VALIDATING
from .audit import AuditSink
from .authentication.anonymous import AnonymousAuthenticator
from .authentication.selfsubjectreview import with_self_subject_review
from .authentication.token import TokenAuthenticator
from .authorization import reviews
from .authorization.privileged_groups import PrivilegedGroups
from .authorization.escalation import check_escalation
from .authorization.rbac import RBACAuthorizer
from .request import UserInfo
from .server import APIServer


def new_apiserver(store: Store, *, token_lookup: Callable[[str], UserInfo | None],
                  anonymous_enabled: bool = False, audit_sink: AuditSink | None = None,
                  clock: Callable[[], float] = time.time, seed: int | None = None, options: dict | None = None,
                  component_statuses: Callable[[], list[dict]] | None = None,
                  server_address: str = "127.0.0.1:6443") -> APIServer:
    """authentication: bearer token, then anonymous (if enabled) · authorization: system:masters,
    then RBAC ·
    admission: the registry's mutating and validating plugins, in upstream's order."""
    authenticators: list = [TokenAuthenticator(token_lookup)]
    if anonymous_enabled:
        authenticators.append(AnonymousAuthenticator(True))
    server = APIServer(store, authenticators=authenticators, authorizers=[], mutating=MUTATING,
                       validating=VALIDATING, audit_sink=audit_sink, clock=clock, seed=seed, options=options,
                       component_statuses=component_statuses, server_address=server_address)
    rbac = RBACAuthorizer(server.reader)
    server.authorizers.extend([PrivilegedGroups(), rbac])
    server.on_rbac_write = rbac.invalidate
    server.escalation_check = functools.partial(check_escalation, authorizer=rbac, reader=server.reader)
    server.reviews = with_self_subject_review(
        functools.partial(reviews.handle_review, authorizers=server.authorizers, rules=rbac), clock)
    return server

