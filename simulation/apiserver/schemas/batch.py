"""io.k8s.api.batch.v1: Job and CronJob, their specs and statuses (the fields a learner writes
and reads; upstream's descriptions shortened)."""
from __future__ import annotations

from ._helpers import (
                       CORE,
                       META,
                       arr,
                       boolean,
                       condition,
                       int32,
                       int64,
                       kind,
                       list_kind,
                       obj,
                       ref,
                       string,
                       strings,
                       time,
)

B = "io.k8s.api.batch.v1."

SCHEMAS = {
    B + "Job": kind(
        "Job represents the configuration of a single job.", "batch", "v1", "Job",
        spec=ref(B + "JobSpec", "Specification of the desired behavior of a job."),
        status=ref(B + "JobStatus", "Current status of a job.")),
    B + "JobList": list_kind("batch", "v1", "JobList", B + "Job"),
    B + "JobSpec": obj(
        "JobSpec describes how the job execution will look like.", ("template",),
        activeDeadlineSeconds=int64("Specifies the duration in seconds relative to the startTime that the job may "
                                    "be continuously active before the system tries to terminate it."),
        backoffLimit=int32("Specifies the number of retries before marking this job failed. Defaults to 6."),
        backoffLimitPerIndex=int32("Specifies the limit for the number of retries within an index before "
                                   "marking this index as failed."),
        completionMode=string("completionMode specifies how Pod completions are tracked. It can be `NonIndexed` "
                              "(default) or `Indexed`.", enum=["Indexed", "NonIndexed"]),
        completions=int32("Specifies the desired number of successfully finished pods the job should be run "
                          "with."),
        managedBy=string("ManagedBy field indicates the controller that manages a Job."),
        manualSelector=boolean("manualSelector controls generation of pod labels and pod selectors."),
        maxFailedIndexes=int32("Specifies the maximal number of failed indexes before marking the Job as failed."),
        parallelism=int32("Specifies the maximum desired number of pods the job should run at any given time."),
        podFailurePolicy=obj("PodFailurePolicy describes how failed pods influence the backoffLimit.",
                             ("rules",), rules=arr(obj("PodFailurePolicyRule describes how a pod failure is "
                                                       "handled when the requirements are met.", ("action",),
                                                       action=string("Specifies the action taken on a pod "
                                                                     "failure when the requirements are "
                                                                     "satisfied.")),
                                                   "A list of pod failure policy rules.")),
        podReplacementPolicy=string("podReplacementPolicy specifies when to create replacement Pods.",
                                    enum=["Failed", "TerminatingOrFailed"]),
        selector=ref(META + "LabelSelector", "A label query over pods that should match the pod count. Normally, "
                     "the system sets this field for you.", struct=False),
        successPolicy=obj("SuccessPolicy describes when a Job can be declared as succeeded based on the success "
                          "of some indexes.", ("rules",), rules=arr(obj("SuccessPolicyRule describes rule for "
                                                                        "declaring a Job as succeeded."),
                                                                    "rules represents the list of alternative "
                                                                    "rules.")),
        suspend=boolean("suspend specifies whether the Job controller should create Pods or not."),
        template=ref(CORE + "PodTemplateSpec", "Describes the pod that will be created when executing a job. The "
                     "only allowed template.spec.restartPolicy values are \"Never\" or \"OnFailure\"."),
        ttlSecondsAfterFinished=int32("ttlSecondsAfterFinished limits the lifetime of a Job that has finished "
                                      "execution (either Complete or Failed)."),
    ),
    B + "JobStatus": obj(
        "JobStatus represents the current state of a Job.",
        active=int32("The number of pending and running pods which are not terminating."),
        completedIndexes=string("completedIndexes holds the completed indexes when .spec.completionMode = "
                                "\"Indexed\" in a text format."),
        completionTime=time("Represents time when the job was completed."),
        conditions=arr(B + "JobCondition", "The latest available observations of an object's current state.",
                       list_type="atomic"),
        failed=int32("The number of pods which reached phase Failed."),
        failedIndexes=string("FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set."),
        ready=int32("The number of active pods which have a Ready condition and are not terminating."),
        startTime=time("Represents time when the job controller started processing a job."),
        succeeded=int32("The number of pods which reached phase Succeeded."),
        terminating=int32("The number of pods which are terminating (in phase Pending or Running and have a "
                          "deletionTimestamp)."),
        uncountedTerminatedPods=ref(B + "UncountedTerminatedPods", "uncountedTerminatedPods holds the UIDs of "
                                    "Pods that have terminated but the job controller hasn't yet accounted for in "
                                    "the status counters.", struct=False),
    ),
    B + "UncountedTerminatedPods": obj(
        "UncountedTerminatedPods holds UIDs of Pods that have terminated but haven't been accounted in Job "
        "status counters.",
        failed=strings("failed holds UIDs of failed Pods.", list_type="set"),
        succeeded=strings("succeeded holds UIDs of succeeded Pods.", list_type="set")),
    B + "JobCondition": condition("JobCondition describes current state of a job.", probe_time=True),
    B + "JobTemplateSpec": obj(
        "JobTemplateSpec describes the data a Job should have when created from a template",
        metadata=ref(META + "ObjectMeta", "Standard object's metadata of the jobs created from this template."),
        spec=ref(B + "JobSpec", "Specification of the desired behavior of the job.")),
    B + "CronJob": kind(
        "CronJob represents the configuration of a single cron job.", "batch", "v1", "CronJob",
        spec=ref(B + "CronJobSpec", "Specification of the desired behavior of a cron job, including the "
                 "schedule."),
        status=ref(B + "CronJobStatus", "Current status of a cron job.")),
    B + "CronJobList": list_kind("batch", "v1", "CronJobList", B + "CronJob"),
    B + "CronJobSpec": obj(
        "CronJobSpec describes how the job execution will look like and when it will actually run.",
        ("schedule", "jobTemplate"),
        concurrencyPolicy=string("Specifies how to treat concurrent executions of a Job. Valid values are: "
                                 "\"Allow\" (default), \"Forbid\" and \"Replace\".",
                                 enum=["Allow", "Forbid", "Replace"]),
        failedJobsHistoryLimit=int32("The number of failed finished jobs to retain. Defaults to 1."),
        jobTemplate=ref(B + "JobTemplateSpec", "Specifies the job that will be created when executing a "
                        "CronJob."),
        schedule=string("The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        startingDeadlineSeconds=int64("Optional deadline in seconds for starting the job if it misses scheduled "
                                      "time for any reason."),
        successfulJobsHistoryLimit=int32("The number of successful finished jobs to retain. Defaults to 3."),
        suspend=boolean("This flag tells the controller to suspend subsequent executions, it does not apply to "
                        "already started executions.  Defaults to false."),
        timeZone=string("The time zone name for the given schedule, see "
                        "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    ),
    B + "CronJobStatus": obj(
        "CronJobStatus represents the current state of a cron job.",
        active=arr(CORE + "ObjectReference", "A list of pointers to currently running jobs.", list_type="atomic"),
        lastScheduleTime=time("Information when was the last time the job was successfully scheduled."),
        lastSuccessfulTime=time("Information when was the last time the job successfully completed."),
    ),
}
