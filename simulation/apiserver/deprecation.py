"""Warnings for deprecated APIs, as upstream's API installer attaches them to every request
for a deprecated resource that reaches its handler (after authentication and authorization,
whatever the handler answers): ``<group/version> <Kind> is deprecated in v<X.Y>+; use
<replacement>`` (``k8s.io/apiserver/pkg/endpoints/deprecation``)."""
from __future__ import annotations

from .fieldvalidation import warning_header
from .request import APIResponse, RequestInfo

#: (group, version, resource) → the warning text. Core Endpoints since 1.33 (KEP-4974).
DEPRECATED = {
    ("", "v1", "endpoints"): "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
}


def add_warning(info: RequestInfo, response: APIResponse) -> APIResponse:
    """``response`` with the deprecation warning first among its ``Warning`` headers, if any applies."""
    text = DEPRECATED.get((info.group, info.version, info.resource)) if info.is_resource_request else None
    if text is None:
        return response
    existing = response.headers.get("Warning")
    response.headers = {**response.headers,
                        "Warning": warning_header(text) + (f", {existing}" if existing else "")}
    return response
