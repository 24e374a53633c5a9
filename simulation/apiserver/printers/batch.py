"""Printers of the ReplicationController (core/v1) and the batch/v1 kinds (Job, CronJob), as
upstream's ``pkg/printers/internalversion``: columns with their descriptions, and the cells."""
from __future__ import annotations

from simulation.apimachinery.timestamps import (
    human_duration,
    parse_time,
    translate_timestamp_since,
)

from .columns import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    age_of,
    column,
    container_cells,
    format_label_selector,
    format_labels,
    name_of,
    selector_column,
    template_spec,
)

RC_DOC = "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"

REPLICATIONCONTROLLER_COLUMNS = (
    NAME,
    column("Desired", "Replicas is the number of desired replicas. This is a pointer to distinguish between "
                      "explicit zero and unspecified. Defaults to 1. More info: " + RC_DOC, "integer"),
    column("Current", "Replicas is the most recently observed number of replicas. More info: " + RC_DOC,
           "integer"),
    column("Ready", "The number of ready replicas for this replication controller.", "integer"),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("Selector is a label query over pods that should match the Replicas count. If Selector is "
                    "empty, it is defaulted to the labels present on the Pod template. Label keys and values "
                    "that must match in order to be controlled by this replication controller, if empty "
                    "defaulted to labels on Pod template. More info: "
                    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
)

_JOB_SELECTOR_DOC = ("A label query over pods that should match the pod count. Normally, the system sets this "
                     "field for you. More info: "
                     "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors")

JOB_COLUMNS = (
    NAME,
    column("Status", "Status of the job."),
    column("Completions", "The number of pods which reached phase Succeeded. The value increases monotonically "
                          "for a given spec. However, it may decrease in reaction to scale down of elastic "
                          "indexed jobs."),
    column("Duration", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column(_JOB_SELECTOR_DOC),
)

CRONJOB_COLUMNS = (
    NAME,
    column("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    column("Timezone", "The time zone name for the given schedule, see "
                       "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will "
                       "default to the time zone of the kube-controller-manager process. The set of valid time "
                       "zone names and the time zone offset is loaded from the system-wide time zone database by "
                       "the API server during CronJob validation and the controller manager during execution. If "
                       "no system-wide time zone database can be found a bundled version of the database is used "
                       "instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to "
                       "a change in host configuration, the controller will stop creating new new Jobs and will "
                       "create a system event with the reason UnknownTimeZone. More information can be found in "
                       "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"),
    column("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to "
                      "already started executions.  Defaults to false.", "boolean"),
    column("Active", "A list of pointers to currently running jobs.", "integer"),
    column("Last Schedule", "Information when was the last time the job was successfully scheduled."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column(_JOB_SELECTOR_DOC),
)


def print_replicationcontroller(rc: dict, now: float) -> list:
    spec, status = rc.get("spec") or {}, rc.get("status") or {}
    names, images = container_cells(template_spec(rc))
    replicas = spec.get("replicas")
    return [name_of(rc), 1 if replicas is None else replicas, status.get("replicas", 0),
            status.get("readyReplicas", 0), age_of(rc, now), names, images, format_labels(spec.get("selector"))]


def has_job_condition(job: dict, type_: str) -> bool:
    """``hasJobCondition``: the first condition of that type decides."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") == type_:
            return condition.get("status") == "True"
    return False


def job_status_text(job: dict) -> str:
    """The Status cell: Complete, Failed, Terminating, Suspended, FailureTarget or Running."""
    if has_job_condition(job, "Complete"):
        return "Complete"
    if has_job_condition(job, "Failed"):
        return "Failed"
    if (job.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    if has_job_condition(job, "Suspended"):
        return "Suspended"
    if has_job_condition(job, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def print_job(job: dict, now: float) -> list:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    succeeded = status.get("succeeded", 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif (spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    start, end = parse_time(status.get("startTime")), parse_time(status.get("completionTime"))
    duration = "" if start is None else human_duration((now if end is None else end) - start)
    names, images = container_cells(template_spec(job))
    return [name_of(job), job_status_text(job), completions, duration, age_of(job, now), names, images,
            format_label_selector(spec.get("selector"))]


def print_cronjob(cj: dict, now: float) -> list:
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    last = status.get("lastScheduleTime")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = container_cells((job_spec.get("template") or {}).get("spec"))
    suspend = spec.get("suspend")
    return [name_of(cj), spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            "<unset>" if suspend is None else ("True" if suspend else "False"), len(status.get("active") or []),
            translate_timestamp_since(last, now) if last else "<none>", age_of(cj, now), names, images,
            format_label_selector(job_spec.get("selector"))]
