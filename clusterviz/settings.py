"""Settings, all from environment variables with safe defaults.

CLUSTERVIZ_DATA_DIR  where the database, certificates and generated secret live (./data)
DATABASE_URL         any dj-database-url URL (default: SQLite file in the data directory)
REDIS_URL            Redis channel layer; unset means the in-memory layer (one process)
SECRET_KEY           generated into the data directory when unset
ALLOWED_HOSTS        comma-separated (default: localhost names)
DEBUG                off unless "1"/"true"
CLUSTERVIZ_SIMULATION  "off" for an API-only server (no control-plane components)
CLUSTERVIZ_HTTPS_ONLY  "1" serves the page over HTTPS too; the HTTP port only redirects there
CLUSTERVIZ_HEADROOM_SECONDS  how far behind live a new simulated cluster's clock starts (600)
(the rest, with their defaults, are in the README's settings table)
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CLUSTERVIZ_DATA_DIR", BASE_DIR / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


def _env_seconds(name: str, default: float) -> float:
    value = float(os.environ.get(name, default))
    if not value > 0:
        raise ImproperlyConfigured(f"{name} must be a number of seconds above 0, not {value!r}")
    return value


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
                 if h.strip()]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "clusterviz.clusters",
    "clusterviz.kubeapi",
    "clusterviz.dashboard",
    "clusterviz.sim",
    "clusterviz.viz",
    "clusterviz.classroom",
    "clusterviz.benchmarks",
    "clusterviz.server",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clusterviz.urls"
ASGI_APPLICATION = "clusterviz.asgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]


#: Seconds a quiet watch waits before re-reading the revision log without being told of a write
#: (the safety net under the Redis notifications between processes; see clusters.revisionbus).
CLUSTERVIZ_WATCH_IDLE_POLL_SECONDS = _env_seconds("CLUSTERVIZ_WATCH_IDLE_POLL_SECONDS", 1.0)
#: Seconds a PostgreSQL connection is kept for reuse by its thread (Django's CONN_MAX_AGE, with
#: a health check before reuse): a new connection costs ~5 ms against ~0.24 ms for a watch's
#: poll, and an idle watch polls every second. 0 closes each after use.
CLUSTERVIZ_DB_CONN_MAX_AGE = int(os.environ.get("CLUSTERVIZ_DB_CONN_MAX_AGE", "300"))


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.postgresql":
        config.update(CONN_MAX_AGE=CLUSTERVIZ_DB_CONN_MAX_AGE, CONN_HEALTH_CHECKS=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Concurrent writers must queue, not fail with "database is locked": WAL lets readers
        # run beside the writer, IMMEDIATE takes the write lock at BEGIN (no lock upgrade
        # deadlock), and the busy timeout makes a second writer wait its turn.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file: Django's in-memory test database uses SQLite's shared cache, where concurrent
        # writer threads fail with "table is locked" instead of waiting for the busy timeout.
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    return config


DATABASES = {"default": _database(os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'clusterviz.sqlite3'}"))}
# The store contract suite also runs against a real PostgreSQL server when this names one.
if os.environ.get("CLUSTERVIZ_TEST_POSTGRES_URL"):
    DATABASES["postgres"] = _database(os.environ["CLUSTERVIZ_TEST_POSTGRES_URL"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

#: Seconds a Redis read may take. channels_redis blocks 5 s in BZPOPMIN waiting for a message
#: (``brpop_timeout``); redis-py 8 also defaults its socket timeout to 5 s, so every idle
#: receive failed at the same instant (a dead simworker listener, websockets closed 1011).
#: The socket timeout must stay well above the blocking pop; keepalive and health checks find
#: a dead connection instead.
REDIS_SOCKET_TIMEOUT_SECONDS = 30.0
#: Seconds a channel stays in a group without being added again: a websocket whose process was
#: killed never says goodbye, so its membership must lapse (channels_redis' default is a day,
#: during which every publish to the group fills its dead inbox). Live consumers re-add
#: themselves every ``GROUP_REFRESH_SECONDS``.
GROUP_EXPIRY_SECONDS = 120
GROUP_REFRESH_SECONDS = 30.0
REDIS_URL = os.environ.get("REDIS_URL", "")
#: redis-py connection options for every Redis client of the project (the channel layer, the
#: revision bus): explicit, so an upgrade of redis-py cannot change them under us.
REDIS_CONNECTION_OPTIONS = {"socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS, "socket_connect_timeout": 5.0,
                            "socket_keepalive": True, "health_check_interval": 15, "retry_on_timeout": True}
if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
        "hosts": [{"address": REDIS_URL, **REDIS_CONNECTION_OPTIONS}],
        "group_expiry": GROUP_EXPIRY_SECONDS}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "clusterviz.clusters.channel_layer.InProcessChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"

# Request bodies past upstream's 3 MiB limit are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

# The Kubernetes API (see clusterviz.kubeapi). HTTPS because kubectl sends tokens only over TLS.
CLUSTERVIZ_HTTP_PORT = int(os.environ.get("CLUSTERVIZ_HTTP_PORT", "8000"))
CLUSTERVIZ_HTTPS_PORT = int(os.environ.get("CLUSTERVIZ_HTTPS_PORT", "6443"))
CLUSTERVIZ_BIND = os.environ.get("CLUSTERVIZ_BIND", "127.0.0.1")
#: The host name written into kubeconfigs and the serving certificate.
CLUSTERVIZ_PUBLIC_HOST = os.environ.get("CLUSTERVIZ_PUBLIC_HOST", "127.0.0.1")
#: Revisions the store keeps in its log before compacting (watch/list older than this get 410).
CLUSTERVIZ_COMPACTION_WINDOW = int(os.environ.get("CLUSTERVIZ_COMPACTION_WINDOW", "10000"))
#: Audit records kept per cluster.
CLUSTERVIZ_AUDIT_RETENTION = int(os.environ.get("CLUSTERVIZ_AUDIT_RETENTION", "50000"))
#: Seconds a request's headers may take, from the connection's opening or a later request's
#: first byte: then 408 and a close (a client trickling header bytes holds nothing for long).
#: Upstream's ReadHeaderTimeout. The answer to a request (a watch streams for minutes) and the
#: page's websocket are never timed.
CLUSTERVIZ_HEADER_TIMEOUT = _env_seconds("CLUSTERVIZ_HEADER_TIMEOUT", 32)
#: Seconds a connection may stay silent with no request under way (then closed, quietly) or in
#: the middle of a request body (then 408). Upstream's IdleTimeout.
CLUSTERVIZ_IDLE_TIMEOUT = _env_seconds("CLUSTERVIZ_IDLE_TIMEOUT", 90)

#: The page over HTTPS too. It carries a bearer token (and the session cookie is one), so a
#: classroom serves it only over TLS: the HTTPS listener serves everything, the HTTP listener
#: redirects every request there (``clusterviz.server.protocol``, before Django), cookies are
#: ``Secure`` and browsers are told to stay on HTTPS (HSTS). ``manage.py check --deploy`` asks
#: for exactly this (W004, W008, W012, W016).
CLUSTERVIZ_HTTPS_ONLY = _env_flag("CLUSTERVIZ_HTTPS_ONLY")
if CLUSTERVIZ_HTTPS_ONLY:
    _host = f"[{CLUSTERVIZ_PUBLIC_HOST}]" if ":" in CLUSTERVIZ_PUBLIC_HOST else CLUSTERVIZ_PUBLIC_HOST
    #: Where the HTTP listener sends browsers: the host in kubeconfigs, which the certificate names.
    SECURE_SSL_HOST = f"{_host}:{CLUSTERVIZ_HTTPS_PORT}"
    # Django's own redirect never fires (plain HTTP never reaches Django in this mode); it would
    # send the same place.
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    #: An hour by default: HSTS binds the whole host name, every port, in each browser that
    #: saw it — a teacher's laptop should not be HTTPS-only for a year after class.
    SECURE_HSTS_SECONDS = int(os.environ.get("CLUSTERVIZ_HSTS_SECONDS", "3600"))
# SECURE_PROXY_SSL_HEADER stays unset: daphne terminates TLS itself and tells Django which
# listener a request came through (the ASGI scope's scheme). Trusting a header instead would
# let a plain-HTTP client claim HTTPS, and an X-Forwarded-Proto: http sent over TLS would
# redirect in a loop.

# "off" serves the Kubernetes API only: no scheduler, controllers or kubelets (API tests use it).
CLUSTERVIZ_SIMULATION = os.environ.get("CLUSTERVIZ_SIMULATION", "on").lower() not in ("off", "0", "false", "no")
#: A new simulated cluster's clock starts this far behind the wall clock (the live edge it never
#: passes): what a teacher can fast-forward through at once (a 5-minute toleration, twice).
CLUSTERVIZ_HEADROOM_SECONDS = float(os.environ.get("CLUSTERVIZ_HEADROOM_SECONDS", "600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # channels_redis says "N of M channels over capacity in group …" at INFO on every publish
    # while a killed process's sockets are still in a group (until GROUP_EXPIRY_SECONDS): a
    # flood in a restarted server's log about something that heals itself.
    "loggers": {"channels_redis.core": {"level": "WARNING"}},
}
