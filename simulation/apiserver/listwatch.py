"""Reading collections: ``list`` and ``watch``, as upstream's ``ListResource`` handler and its
watch server read them from storage and the cacher.

A list applies the request's label and field selectors, pages with ``limit`` and
``continue``, and can read the past (``resourceVersionMatch=Exact``, and every page after the
first); a watch hands the transport a :class:`~simulation.apiserver.watch.Watcher` reading the
API server's :class:`~simulation.apiserver.watch.WatchCache`. Both answer ``kubectl get``'s
Tables when asked. Nothing here writes.
"""
from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Callable

from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.selectors import check_field_selector, parse_field_selector, parse_label_selector
from simulation.store import CompactedError, registry_key, registry_prefix

from . import errors
from .audit import STORAGE
from .errors import StatusError
from .printers import tables
from .request import APIResponse
from .watch import Watcher, node_trigger

if TYPE_CHECKING:
    from .server import APIServer, Call

#: Default watch length when the client gives no timeoutSeconds (upstream picks 30–60 min).
DEFAULT_WATCH_SECONDS = 1800
#: Upstream's etcd3 store message for a continued list whose revision was compacted.
INCONSISTENT_CONTINUE = ("The provided continue parameter is too old to display a consistent list result. You can "
                         "start a new list without the continue parameter, or use the continue token in this "
                         "response to retrieve the remainder of the results. Continuing with the provided token "
                         "results in an inconsistent list - objects that were created, modified, or deleted "
                         "between the time the first chunk was returned and now may show up in the list.")
_UINT = re.compile(r"[0-9]+")


class ListWatch:
    """The list and watch verbs of every served resource, over the API server's store and
    watch cache (read from the server at each request: tests swap the cache)."""

    def __init__(self, server: APIServer) -> None:
        self.server = server

    # ------------------------------------------------------------------ list
    def list(self, call: Call) -> APIResponse:
        items, revision, cont = self.select(call)
        call.record.passed(STORAGE, ["etcd"])
        meta: dict = {"resourceVersion": str(revision)}
        if cont:
            meta["continue"] = cont
        body = call.present(items, self.server.clock, meta) or {
            "kind": call.rt.list_kind, "apiVersion": call.rt.group_version, "metadata": meta, "items": items}
        return APIResponse(200, body)

    def select(self, call: Call) -> tuple[list[dict], int, str | None]:
        """List with selectors, ``limit`` and ``continue``, as upstream pages.

        Every page of one list is read at the revision of the first page (the continue
        token carries it), like etcd's ``WithRev``: an object changed, created or deleted
        between pages neither shows up twice nor goes missing, and every page reports the
        same ``resourceVersion`` — the one an informer then watches from, so no change made
        while it paged is lost. ``resourceVersionMatch=Exact`` reads at the given revision
        the same way. Reading the past rolls the present back through the revision log,
        so it expires with compaction (410).
        """
        store = self.server.store
        q = call.req.query
        _validate_list_options(q)
        matches = _matcher(call)
        prefix = registry_prefix(call.rt.name, call.namespace)
        limit = call.int_param("limit")
        if limit is not None and limit <= 0:
            limit = None  # as upstream storage does: only a positive limit pages
        after_key, at = None, None
        if q.get("continue"):
            after_key, at = _decode_continue(q["continue"], prefix)
        rv = q.get("resourceVersion", "")
        requested = _parse_resource_version(rv)
        current = store.current_revision()
        if requested > current:
            raise _too_large_resource_version(requested, current)
        if rv and q.get("resourceVersionMatch") == "Exact":
            at = requested
        if at is not None:
            return self._page_at(call, prefix, at, after_key, limit, matches, paging=bool(q.get("continue")))
        out: list[dict] = []
        while True:
            chunk = None if limit is None else max(limit - len(out), 1) * 2
            items, revision, last = store.list(prefix, after_key=after_key, limit=chunk)
            for index, obj in enumerate(items):
                after_key = item_key(call.rt, obj)
                if matches(obj):
                    out.append(call.type_meta(obj))
                if limit is not None and len(out) >= limit:
                    if last is None and index == len(items) - 1:
                        return out, revision, None
                    return out, revision, _encode_continue(revision, after_key)
            if last is None:
                return out, revision, None

    def _page_at(self, call: Call, prefix: str, revision: int, after_key: str | None, limit: int | None,
                 matches: Callable[[dict], bool], paging: bool) -> tuple[list[dict], int, str | None]:
        """One page of the list as it was at ``revision``: keys after ``after_key``, in order."""
        try:
            state = self._state_at(call.rt, prefix, revision)
        except CompactedError:
            if paging:
                raise _ExpiredContinue(_encode_continue(-1, after_key or "")) from None
            raise errors.gone("The resourceVersion for the provided list is too old.") from None
        keys = sorted(k for k in state if after_key is None or k > after_key)
        out: list[dict] = []
        for index, key in enumerate(keys):
            if matches(state[key]):
                out.append(call.type_meta(state[key]))
            if limit is not None and len(out) >= limit and index < len(keys) - 1:
                return out, revision, _encode_continue(revision, key)
        return out, revision, None

    def _state_at(self, rt: ResourceType, prefix: str, revision: int) -> dict[str, dict]:
        """Every object under ``prefix`` as it was at ``revision``, by key: the present, with
        each later change undone (newest first). Raises :class:`CompactedError` when the log
        no longer reaches back that far."""
        store = self.server.store
        items, now, _ = store.list(prefix)
        state = {item_key(rt, o): o for o in items}
        for ev in reversed(store.events_since(revision, prefix)):
            if ev.revision > now:  # written after our read of the present: not in ``state`` yet
                continue
            if ev.prev_object is None:
                state.pop(ev.key, None)
            else:
                state[ev.key] = ev.prev_object
        return state

    # ------------------------------------------------------------------ watch
    def watch(self, call: Call) -> APIResponse:
        server = self.server
        q = call.req.query
        matches = _matcher(call)
        prefix = registry_prefix(call.rt.name, call.namespace)
        rv = q.get("resourceVersion", "")
        timeout = call.int_param("timeoutSeconds")
        initial = None
        if rv in ("", "0"):
            items, revision, _ = server.store.list(prefix)
            initial = [o for o in items if matches(o)]  # the watcher types (converts) what it sends
        else:
            revision = _parse_resource_version(rv)
        call.record.passed(STORAGE, ["etcd"])
        rt = call.rt
        convert_event = (lambda e: e)
        if tables.wants_table(call.req.header("accept")):
            convert_event = self._table_events(rt, q.get("includeObject") or "Metadata")
        watcher = Watcher(server.store, prefix, matches, start_revision=revision, initial=initial,
                          timeout_seconds=timeout or DEFAULT_WATCH_SECONDS, bookmarks=call.req.flag(
                              "allowWatchBookmarks"), type_meta={"kind": rt.kind, "apiVersion": rt.group_version},
                          now=server.monotonic, convert=call.type_meta, convert_event=convert_event,
                          cache=call.instance.watch_cache if call.instance else server.watch_cache,
                          node=node_trigger(rt.name, q.get("fieldSelector", "")))
        if call.instance is not None:
            call.instance.serve_watch(watcher)
        return APIResponse(200, None, watcher=watcher)

    def _table_events(self, rt: ResourceType, include: str) -> Callable[[dict], dict]:
        """Watch events as one-row Tables. As upstream's watch handler, only the first row
        carries the column definitions (``kubectl get -w --watch-only`` prints its header
        from it); later ones leave them out and kubectl reuses the header it has."""
        if include not in tables.INCLUDE_OBJECT_VALUES:
            raise errors.bad_request(f'unrecognized includeObject value: "{include}"')
        headers_sent = False

        def convert(event: dict) -> dict:
            nonlocal headers_sent
            converted = tables.table_row_event(event, rt, self.server.clock(), include)
            if converted is not event and not headers_sent:
                headers_sent = True
                converted["object"]["columnDefinitions"] = tables.to_table(rt, [], now=0)["columnDefinitions"]
            return converted

        return convert


def item_key(rt: ResourceType, obj: dict) -> str:
    """The storage key of a listed object of ``rt``."""
    meta = obj["metadata"]
    return registry_key(rt.name, meta.get("namespace", "") if rt.namespaced else "", meta["name"])


def _matcher(call: Call) -> Callable[[dict], bool]:
    """The request's label and field selectors as one predicate (400 when they do not parse)."""
    q = call.req.query
    try:
        labels = parse_label_selector(q.get("labelSelector", ""))
        fields = parse_field_selector(q.get("fieldSelector", ""))
        check_field_selector(call.rt.kind, fields)
    except ValueError as exc:
        raise errors.bad_request(str(exc)) from None
    return lambda obj: labels.matches(obj.get("metadata", {}).get("labels")) and fields.matches(obj)


# ---------------------------------------------------------------------------- list options
class _ExpiredContinue(StatusError):
    """410 for a continue token whose revision was compacted. As upstream, the Status
    carries a fresh token (revision -1: "continue at the latest revision") in
    ``metadata.continue``, for a client that prefers the rest of the list to a relist."""

    def __init__(self, token: str) -> None:
        super().__init__(410, "Expired", INCONSISTENT_CONTINUE)
        self.token = token

    def status(self) -> dict:
        body = super().status()
        body["metadata"] = {"continue": self.token}
        return body


def _encode_continue(revision: int, last_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": revision, "start": last_key}).encode()).decode()


def _decode_continue(token: str, prefix: str) -> tuple[str, int | None]:
    """(last key returned, revision to read at — ``None`` for "the latest")."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        after_key, revision = data["start"], int(data["rv"])
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                 "(version meta.k8s.io/v1)") from None
    if not isinstance(after_key, str) or not after_key.startswith(prefix):
        raise errors.bad_request("continue key is not valid: key does not match the request")
    return after_key, (None if revision == -1 else revision)


def _validate_list_options(query: dict) -> None:
    """Upstream's ``ValidateListOptions`` for ``resourceVersionMatch`` (422 on ListOptions)."""
    match = query.get("resourceVersionMatch", "")
    if not match:
        return
    rv = query.get("resourceVersion", "")
    causes = []
    if not rv:
        causes.append(("Forbidden", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
    if query.get("continue"):
        causes.append(("Forbidden", "resourceVersionMatch is forbidden when continue is provided"))
    if match not in ("Exact", "NotOlderThan"):
        causes.append(("NotSupported", f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan", ""'))
    if match == "Exact" and rv == "0":
        causes.append(("Forbidden", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
    if causes:
        raise errors.invalid("ListOptions", "meta.k8s.io", "", [
            {"reason": f"FieldValue{kind}", "field": "resourceVersionMatch",
             "message": text if kind == "NotSupported" else f"{kind}: {text}"} for kind, text in causes])


def _parse_resource_version(rv: str) -> int:
    """A resourceVersion as upstream's storage parses it (``strconv.ParseUint``: ASCII digits
    that fit 64 bits; ``""`` is 0), or 400."""
    if not rv:
        return 0
    if not _UINT.fullmatch(rv) or int(rv) >= 2 ** 64:
        raise errors.bad_request(f"invalid resource version: {rv}")
    return int(rv)


def _too_large_resource_version(requested: int, current: int) -> StatusError:
    """Upstream's ``NewTooLargeResourceVersionError``: client-go's reflector recognises it by
    the ``ResourceVersionTooLarge`` cause and retries, so the cause matters more than the text."""
    return StatusError(504, "Timeout", f"Timeout: Too large resource version: {requested}, current: {current}",
                       {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                        "retryAfterSeconds": 1})
