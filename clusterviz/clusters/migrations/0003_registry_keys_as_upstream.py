"""Stored keys move to upstream's layout (``SpecialDefaultResourcePrefixes``): nodes under
``/registry/minions/``, Services under ``/registry/services/specs/``, Endpoints under
``/registry/services/endpoints/``, ReplicationControllers under ``/registry/controllers/``.

Clusters stored before keep working after the upgrade: their current objects and their
revision log are rewritten in place (the resource, namespace and name columns stay as they
were). Going back rewrites them the other way.
"""
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Substr

#: (the old prefix, upstream's), in the order a forward pass applies them.
RENAMES = (
    ("/registry/nodes/", "/registry/minions/"),
    ("/registry/services/", "/registry/services/specs/"),
    ("/registry/endpoints/", "/registry/services/endpoints/"),
    ("/registry/replicationcontrollers/", "/registry/controllers/"),
)


def _rename(apps, pairs) -> None:
    for model in ("ObjectRecord", "RevisionRecord"):
        records = apps.get_model("clusters", model).objects
        for old, new in pairs:
            records.filter(key__startswith=old).update(key=Concat(Value(new), Substr("key", len(old) + 1)))


def forwards(apps, schema_editor) -> None:
    _rename(apps, RENAMES)


def backwards(apps, schema_editor) -> None:
    # In reverse: Endpoints leave /registry/services/ before Services' keys move back under it.
    _rename(apps, [(new, old) for old, new in reversed(RENAMES)])


class Migration(migrations.Migration):

    dependencies = [
        ('clusters', '0002_audit_impersonated_user'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
