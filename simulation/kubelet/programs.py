"""The images a class meets and what their default process does: the lines it prints when it
starts, per HTTP request it serves and when it ends, and — for the few that finish by
themselves — how long they run. :mod:`.behaviour` reads the lifetimes, :mod:`.logs` the lines.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import runtime as rt


@dataclass(frozen=True)
class Program:
    """What an image's default process prints. ``{name}``, ``{pod}``, ``{client}`` and ``{date}``
    are filled in; ``request`` is printed once per HTTP request it serves."""

    start: tuple[str, ...] = ()
    request: str = ""
    end: tuple[str, ...] = ()
    #: Images whose default process finishes by itself: (seconds after start, exit code).
    runs: tuple[float, int] | None = None
    #: The port its server listens on (None: it serves nothing), and the body it answers an
    #: HTTP GET with (``{pod}`` is the answering pod's name, ``{path}`` the path asked for).
    port: int | None = None
    response: str = ""


_NGINX_START = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
)

#: nginx's /usr/share/nginx/html/index.html (615 bytes, the size its access log shows).
_NGINX_INDEX = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

#: The images a class meets, by repository (``runtime.repository``: registry, no tag).
PROGRAMS: dict[str, Program] = {
    "docker.io/luksa/kubia": Program(start=("Kubia server starting...",), request="Received request from {client}",
                                     port=8080, response="You've hit {pod}\n"),
    "docker.io/luksa/kubia-unhealthy": Program(start=("Kubia server starting...",),
                                               request="Received request from {client}",
                                               port=8080, response="You've hit {pod}\n"),
    "docker.io/luksa/batch-job": Program(start=("{date} Batch job starting",), end=("{date} Finished succesfully",),
                                         runs=(120.0, 0)),
    "docker.io/library/nginx": Program(start=_NGINX_START,
                                       request='{client_ip} - - [{clf}] "GET {path} HTTP/1.1" 200 615 "-" '
                                               '"kube-probe/1.33" "-"', port=80, response=_NGINX_INDEX),
    "registry.k8s.io/coredns/coredns": Program(start=(".:53", "[INFO] plugin/reload: Running configuration SHA512 = "
                                                      "591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f04"
                                                      "6dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908",
                                                      "CoreDNS-1.12.0", "linux/amd64, go1.23.3, 51e11f1"), port=53),
    "docker.io/library/busybox": Program(),
    "docker.io/library/alpine": Program(),
}
#: What an image not in the table prints when it starts.
GENERIC = ("Starting {name}...", "{name} is running")


def program_for(image: str) -> Program | None:
    """The table's entry for ``image`` (any tag or registry spelling), or None."""
    return PROGRAMS.get(rt.repository(image))


#: What an image not in the table answers an HTTP GET with, on any port.
GENERIC_RESPONSE = "Hello from {pod} ({name})\n"


def serves(image: str, port: int) -> bool:
    """Whether the image's default process accepts connections on ``port``: the table's port,
    any port for an image not in the table (we cannot know), none for a plain shell image."""
    program = program_for(image)
    if program is None:
        return True
    return program.port == port


def response_for(image: str, pod: str, path: str) -> str:
    """The body the image's server answers ``GET path`` with, as pod ``pod``."""
    program = program_for(image)
    text = program.response if program is not None else GENERIC_RESPONSE
    return text.replace("{pod}", pod).replace("{path}", path).replace("{name}", rt.repository(image))
