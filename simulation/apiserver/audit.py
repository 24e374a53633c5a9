"""Audit records: one per request, saying who asked what, which stages and plugins it
crossed, where it was stopped and why, and the revision it wrote.

The browser animates a request from exactly this record, so a stage appears here only
if it really ran.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Callable

AUTHENTICATION = "authentication"
AUTHORIZATION = "authorization"
MUTATING_ADMISSION = "mutating-admission"
VALIDATION = "validation"
VALIDATING_ADMISSION = "validating-admission"
STORAGE = "storage"


@dataclass
class AuditEvent:
    verb: str
    path: str
    user: str = ""
    groups: list[str] = field(default_factory=list)
    #: Whom ``user`` acted as (``kubectl --as``); the request ran with this user's rights.
    impersonated_user: str = ""
    impersonated_groups: list[str] = field(default_factory=list)
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    stages: list[dict] = field(default_factory=list)
    code: int = 0
    revision: int | None = None
    rejected_by: str = ""
    message: str = ""
    virtual_time: float | None = None
    user_agent: str = ""
    #: The kube-apiserver that served the request, when a load balancer spreads them.
    apiserver: str = ""

    def passed(self, stage: str, plugins: list[str]) -> None:
        self.stages.append({"stage": stage, "plugins": plugins, "result": "passed"})

    def rejected(self, stage: str, plugins: list[str], plugin: str, message: str) -> None:
        self.stages.append({"stage": stage, "plugins": plugins, "result": "rejected", "plugin": plugin})
        self.rejected_by = plugin
        self.message = message

    def mark(self) -> tuple[int, str, str]:
        """Where the record stands, for :meth:`rewind`."""
        return len(self.stages), self.rejected_by, self.message

    def rewind(self, mark: tuple[int, str, str]) -> None:
        """Take back what was recorded since ``mark``: a write's try that started from a
        cached object and was then decided again on the stored one (the stages it crossed
        would otherwise show twice, where a read of the store shows them once)."""
        del self.stages[mark[0]:]
        self.rejected_by, self.message = mark[1], mark[2]

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


AuditSink = Callable[[AuditEvent], None]
