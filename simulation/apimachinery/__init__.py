"""The floor every other package stands on (upstream's ``k8s.io/apimachinery`` and the helpers
``component-helpers`` shares): selectors, quantities, the resource table, name formats,
timestamps, JSON values, core/v1 scheduling helpers, int-or-string scaling, object keys and
the well-known names. It imports nothing else of ``simulation``, so the API server, the
client machinery and every component can use it without importing each other."""
