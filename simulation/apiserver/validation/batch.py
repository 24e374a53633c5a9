"""ReplicationController (``pkg/apis/core/validation``) and Job / CronJob (``pkg/apis/batch/validation``)
validation, with upstream's field paths and messages.

What a learner meets: an RC's selector is a plain map that must match the template's labels
(and, unlike a ReplicaSet's, may change later); a Job's pods must not restart ``Always``; its
selector and template are fixed once created; a CronJob's schedule must parse as cron, its
name leaves room for the 11-character suffix of the Jobs it makes.
"""
from __future__ import annotations

from simulation.apimachinery import cron
from simulation.apimachinery.validation import name_is_dns_subdomain

from . import field
from .common import nonnegative
from .field import go_label_selector, go_string_map
from .objectmeta import (
    selector_is_empty,
    selector_matches,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from .pod import validate_pod_template_spec

FIELD_IMMUTABLE = "field is immutable"
#: A CronJob's Jobs are named ``<cronjob>-<minutes since epoch>``: 52 + 11 = 63.
CRONJOB_MAX_NAME_LENGTH = 52
_JOB_RESTART_POLICIES = ("OnFailure", "Never")


# ----------------------------------------------------------------------------- ReplicationController
def _rc_template(spec: dict, path: str) -> list[dict]:
    """``ValidatePodTemplateSpecForRC``."""
    template = spec.get("template")
    if template is None:
        return [field.required(f"{path}.template")]
    errs: list[dict] = []
    selector = spec.get("selector") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if selector and any(labels.get(k) != v for k, v in selector.items()):
        errs.append(field.invalid(f"{path}.template.metadata.labels", go_string_map(labels),
                                  "`selector` does not match template `labels`"))
    errs += validate_pod_template_spec(template, f"{path}.template")
    tspec = template.get("spec") or {}
    restart = tspec.get("restartPolicy", "")
    if restart != "Always":
        errs.append(field.not_supported(f"{path}.template.spec.restartPolicy", restart, ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(field.forbidden(f"{path}.template.spec.activeDeadlineSeconds",
                                    "activeDeadlineSeconds in ReplicationController is not Supported"))
    return errs


def _rc_spec(spec: dict, path: str = "spec") -> list[dict]:
    """``ValidateReplicationControllerSpec``."""
    errs = nonnegative(spec.get("minReadySeconds", 0), f"{path}.minReadySeconds")
    if not spec.get("selector"):
        errs.append(field.required(f"{path}.selector"))
    errs += nonnegative(spec.get("replicas", 0), f"{path}.replicas")
    return errs + _rc_template(spec, path)


def validate_replication_controller(obj: dict, old: dict | None) -> list[dict]:
    if old is None:
        errs = validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
    else:
        errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    return errs + _rc_spec(obj.get("spec") or {})


# ----------------------------------------------------------------------------- Job
def _job_spec(spec: dict, path: str, *, template_of_cronjob: bool = False) -> list[dict]:
    """``validateJobSpec``: counts non-negative, pods that do not restart Always."""
    errs: list[dict] = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        if spec.get(key) is not None:
            errs += nonnegative(spec[key], f"{path}.{key}")
    if spec.get("activeDeadlineSeconds") == 0:
        errs.append(field.invalid(f"{path}.activeDeadlineSeconds", 0, "must be greater than 0"))
    mode = spec.get("completionMode", "NonIndexed")
    if mode not in ("NonIndexed", "Indexed"):
        errs.append(field.not_supported(f"{path}.completionMode", mode, ("NonIndexed", "Indexed")))
    elif mode == "Indexed" and spec.get("completions") is None:
        errs.append(field.required(f"{path}.completions", "when completion mode is Indexed"))
    selector = spec.get("selector")
    template = spec.get("template")
    if not template_of_cronjob:
        if selector is None:
            errs.append(field.required(f"{path}.selector"))
        else:
            errs += validate_label_selector(selector, f"{path}.selector")
            labels = ((template or {}).get("metadata") or {}).get("labels")
            if not selector_is_empty(selector) and not selector_matches(selector, labels):
                errs.append(field.invalid(f"{path}.template.metadata.labels", go_string_map(labels),
                                          "`selector` does not match template `labels`"))
    if template is None:
        return errs + [field.required(f"{path}.template")]
    errs += validate_pod_template_spec(template, f"{path}.template")
    restart = (template.get("spec") or {}).get("restartPolicy", "")
    if restart not in _JOB_RESTART_POLICIES:
        errs.append(field.not_supported(f"{path}.template.spec.restartPolicy", restart, _JOB_RESTART_POLICIES))
    return errs


def validate_job(obj: dict, old: dict | None) -> list[dict]:
    spec = obj.get("spec") or {}
    if old is None:
        errs = validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
        return errs + _job_spec(spec, "spec")
    errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    errs += _job_spec(spec, "spec")
    old_spec = old.get("spec") or {}
    if spec.get("selector") != old_spec.get("selector"):
        errs.append(field.invalid("spec.selector", go_label_selector(spec.get("selector")), FIELD_IMMUTABLE))
    if spec.get("completions") != old_spec.get("completions"):
        errs.append(field.invalid("spec.completions", spec.get("completions"), FIELD_IMMUTABLE))
    if spec.get("completionMode") != old_spec.get("completionMode"):
        errs.append(field.invalid("spec.completionMode", spec.get("completionMode"), FIELD_IMMUTABLE))
    if spec.get("template") != old_spec.get("template") and not old_spec.get("suspend"):
        errs.append(field.invalid("spec.template", field.GoRepr("core.PodTemplateSpec{...}"), FIELD_IMMUTABLE))
    return errs


# ----------------------------------------------------------------------------- CronJob
def _cron_job_spec(spec: dict, path: str = "spec") -> list[dict]:
    errs: list[dict] = []
    schedule = spec.get("schedule")
    if not schedule:
        errs.append(field.required(f"{path}.schedule"))
    else:
        try:
            cron.parse_standard(schedule)
        except cron.CronError as exc:
            errs.append(field.invalid(f"{path}.schedule", schedule, str(exc)))
        if "TZ" in schedule:
            errs.append(field.invalid(f"{path}.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, "
                                      "use timeZone field instead"))
    zone = spec.get("timeZone")
    if zone is not None and not cron.valid_time_zone(zone):
        errs.append(field.invalid(f"{path}.timeZone", zone, "unknown time zone " + zone))
    policy = spec.get("concurrencyPolicy", "")
    if policy not in ("Allow", "Forbid", "Replace"):
        errs.append(field.not_supported(f"{path}.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace")))
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        if spec.get(key) is not None:
            errs += nonnegative(spec[key], f"{path}.{key}")
    job_template = spec.get("jobTemplate") or {}
    errs += _job_spec(job_template.get("spec") or {}, f"{path}.jobTemplate.spec", template_of_cronjob=True)
    return errs


def validate_cron_job(obj: dict, old: dict | None) -> list[dict]:
    meta = obj.get("metadata") or {}
    if old is None:
        errs = validate_object_meta(meta, True, name_is_dns_subdomain)
        name = meta.get("name") or ""
        if len(name) > CRONJOB_MAX_NAME_LENGTH:
            errs.append(field.invalid("metadata.name", name,
                                      f"must be no more than {CRONJOB_MAX_NAME_LENGTH} characters"))
    else:
        errs = validate_object_meta_update(meta, old.get("metadata"))
    return errs + _cron_job_spec(obj.get("spec") or {})


def validate_status(obj: dict, old: dict) -> list[dict]:
    """Status writes of these kinds: metadata rules, and counts that cannot go negative."""
    errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    status = obj.get("status") or {}
    for key in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration",
                "active", "succeeded", "failed", "ready", "terminating"):
        if status.get(key) is not None:
            errs += nonnegative(status[key], f"status.{key}")
    return errs


#: The validators of this module's kinds, for the dispatch in ``validation/__init__``.
VALIDATORS = {
    "ReplicationController": validate_replication_controller,
    "Job": validate_job,
    "CronJob": validate_cron_job,
}
