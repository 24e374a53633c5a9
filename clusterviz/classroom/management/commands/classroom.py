"""``manage.py classroom``: open, list, show and close class sessions from a terminal."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clusterviz.classroom import banner, lan, roster, sessions
from clusterviz.classroom.models import ClassSession
from clusterviz.clusters.models import Cluster


def describe(session: ClassSession) -> dict:
    return {"name": session.name, "cluster": session.cluster.name, "mode": session.mode, "code": session.code,
            "join_url": lan.join_url(session.code), "max_students": session.max_students,
            "students": session.students.count(), "open": session.is_open,
            "expires": session.expires.isoformat(), "closed": session.closed.isoformat() if session.closed else None,
            "teacher_page": f"{lan.page_origin()}/classroom/{session.name}/"}


class Command(BaseCommand):
    help = "Class sessions: create NAME --cluster demo, list, show NAME (the roster), close NAME."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="open a session: prints the join URL and code")
        create.add_argument("name")
        create.add_argument("--cluster", default="demo")
        create.add_argument("--mode", choices=[m for m, _ in ClassSession.MODES], default=ClassSession.SHARED)
        create.add_argument("--max", type=int, default=30, dest="max_students", help="students at most (30)")
        create.add_argument("--hours", type=float, default=sessions.DEFAULT_HOURS, help="how long the code admits")
        create.add_argument("--teacher", default="admin", help="who the session's writes act as in the cluster")
        sub.add_parser("list", help="every session")
        show = sub.add_parser("show", help="a session's roster")
        show.add_argument("name")
        show.add_argument("--csv", action="store_true", help="the roster as CSV")
        close = sub.add_parser("close", help="revoke every student's token (kubectl then gets 401)")
        close.add_argument("name")
        close.add_argument("--delete-namespaces", action="store_true",
                           help="also delete the students' namespaces (per-student: their clusters)")
        for p in (create, show, close, sub.choices["list"]):
            p.add_argument("-o", "--output", choices=["json"], default=None)

    def _session(self, name: str) -> ClassSession:
        session = ClassSession.objects.select_related("cluster").filter(name=name).first()
        if session is None:
            raise CommandError(f'class session "{name}" not found (manage.py classroom list)')
        return session

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        getattr(self, f"_{options['action']}")(options)

    def _emit(self, options: dict, data: object, text: str) -> None:
        self.stdout.write(json.dumps(data, indent=2) if options.get("output") == "json" else text)

    def _create(self, options: dict) -> None:
        cluster = Cluster.objects.filter(name=options["cluster"]).first()
        if cluster is None:
            raise CommandError(f'cluster "{options["cluster"]}" does not exist')
        try:
            session = sessions.create_session(options["name"], cluster, mode=options["mode"],
                                              max_students=options["max_students"], hours=options["hours"],
                                              teacher=options["teacher"])
        except sessions.ClassroomError as exc:
            raise CommandError(str(exc)) from None
        info = describe(session)
        self._emit(options, info, announce(session))

    def _list(self, options: dict) -> None:
        found = [describe(s) for s in ClassSession.objects.select_related("cluster")]
        lines = [f"{'NAME':<20} {'CLUSTER':<16} {'MODE':<12} {'CODE':<8} {'STUDENTS':<9} STATE"]
        for s in found:
            state = "open" if s["open"] else "closed"
            lines.append(f"{s['name']:<20} {s['cluster']:<16} {s['mode']:<12} {s['code']:<8} "
                         f"{s['students']:<9} {state}")
        self._emit(options, found, "\n".join(lines) if found else "No class sessions.")

    def _show(self, options: dict) -> None:
        session = self._session(options["name"])
        data = roster.rows(session)
        if options["csv"]:
            self.stdout.write(roster.as_csv(data), ending="")
            return
        head = (f"{session.name} on {session.cluster.name} ({session.mode}), code {session.code}, "
                f"{len(data['students'])} of {session.max_students} joined, {data['online']} online")
        lines = [head]
        lines.append(f"{'NAME':<20} {'NAMESPACE':<28} {'ONLINE':<7} {'PODS':<24} LAST ACTION")
        for r in data["students"]:
            pods = " ".join(f"{k}={v}" for k, v in sorted(r["pods"].items())) or "-"
            action = (r["last_action"] or {}).get("action", "-")
            lines.append(f"{r['display_name']:<20} {r['namespace']:<28} {'yes' if r['online'] else 'no':<7} "
                         f"{pods:<24} {action}")
        self._emit(options, data, "\n".join(lines))

    def _close(self, options: dict) -> None:
        session = self._session(options["name"])
        done = sessions.close(session, delete_namespaces=options["delete_namespaces"])
        text = (f"class {session.name} closed: {done['tokens_revoked']} tokens revoked"
                + (", namespaces deleted" if options["delete_namespaces"] else ""))
        self._emit(options, done, text)


def announce(session: ClassSession) -> str:
    """What a teacher reads out (or projects): the URL, the code in large type, the QR code."""
    url = lan.join_url(session.code)
    return (f"class session \"{session.name}\" is open on cluster {session.cluster.name} ({session.mode}, at most "
            f"{session.max_students}); the code admits until {session.expires:%H:%M %Z}\n\n"
            f"  join at   {lan.join_url()}\n  code\n\n{banner.large(session.code)}\n\n"
            f"  or scan   {url}\n{banner.qr_text(url)}\n"
            f"  roster    {lan.page_origin()}/classroom/{session.name}/ (staff)")
