"""Kubernetes ``Status`` errors, with upstream's codes, reasons and message shapes.

Every refusal anywhere in the pipeline is a :class:`StatusError`; the HTTP layer turns
it into a ``metav1.Status`` body, which is what kubectl and the Python client parse.
"""
from __future__ import annotations


def status_body(code: int, reason: str, message: str, details: dict | None = None,
                status: str = "Failure") -> dict:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": status,
            "message": message, "reason": reason, "code": code}
    if not reason:  # StatusReasonUnknown is the empty string, which upstream's JSON leaves out
        del body["reason"]
    if details:
        body["details"] = details
    return body


class StatusError(Exception):
    """A refusal carrying the Status that the client will see, and the plugin that said no."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None,
                 plugin: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.plugin = plugin

    def status(self) -> dict:
        return status_body(self.code, self.reason, self.message, self.details)


def qualified(resource: str, group: str) -> str:
    """``pods`` for the core group, ``deployments.apps`` otherwise, as upstream's GroupResource prints."""
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> StatusError:
    return StatusError(404, "NotFound", f'{qualified(resource, group)} "{name}" not found',
                       {"name": name, "group": group or None, "kind": resource} if group
                       else {"name": name, "kind": resource})


def path_not_found() -> StatusError:
    return StatusError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: str, group: str, name: str) -> StatusError:
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return StatusError(409, "AlreadyExists", f'{qualified(resource, group)} "{name}" already exists', details)


def conflict(resource: str, group: str, name: str, why: str = "the object has been modified; please apply your "
             "changes to the latest version and try again") -> StatusError:
    details = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return StatusError(409, "Conflict",
                       f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": {why}', details)


def invalid(kind: str, group: str, name: str, causes: list[dict], plugin: str | None = None) -> StatusError:
    """422 Invalid. ``causes`` are ``{"reason","message","field"}``; the message joins them as upstream."""
    parts = [f"{c['field']}: {c['message']}" if c.get("field") else c["message"] for c in causes]
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    details = {"name": name, "kind": kind, "causes": causes}
    if group:
        details["group"] = group
    return StatusError(422, "Invalid", f'{kind}{"." + group if group else ""} "{name}" is invalid: {summary}',
                       details, plugin)


def bad_request(message: str, plugin: str | None = None) -> StatusError:
    return StatusError(400, "BadRequest", message, None, plugin)


def unauthorized(plugin: str | None = None) -> StatusError:
    return StatusError(401, "Unauthorized", "Unauthorized", None, plugin)


def forbidden(message: str, resource: str = "", group: str = "", name: str = "",
              plugin: str | None = None) -> StatusError:
    details: dict = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if resource:
        details["kind"] = resource
    return StatusError(403, "Forbidden", message, details, plugin)


def method_not_allowed(message: str) -> StatusError:
    return StatusError(405, "MethodNotAllowed", message, {})


def gone(message: str) -> StatusError:
    return StatusError(410, "Expired", message, None)


def too_large(limit_bytes: int) -> StatusError:
    return StatusError(413, "RequestEntityTooLarge",
                       f"Request entity too large: limit is {limit_bytes}", None, "MaxRequestBodyBytes")


def unsupported_media_type(content_type: str) -> StatusError:
    return StatusError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - '
                       f'accepted media types include: application/json, application/yaml, '
                       f'application/json-patch+json, application/merge-patch+json, '
                       f'application/strategic-merge-patch+json (got "{content_type}")', None)


def service_unavailable(message: str) -> StatusError:
    return StatusError(503, "ServiceUnavailable", message)


def internal(message: str) -> StatusError:
    return StatusError(500, "InternalError", f"Internal error occurred: {message}", None)


def unknown(message: str) -> StatusError:
    """What ``ErrorToAPIStatus`` makes of an error that is no Status (etcd's own, say): a 500
    with the error's text and no reason — ``kubectl`` prints ``Error from server: <text>``."""
    return StatusError(500, "", message, None)
