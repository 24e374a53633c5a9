"""The reasons the kubelet gives, in upstream's words: the reasons of the Events it records
(``pkg/kubelet/events/event.go``) and of the waiting states it reports in container statuses
(``kubecontainer.ErrCrashLoopBackOff``, ``images.ErrImagePull``...). ``kubectl describe``,
``kubectl get events`` and the STATUS column of ``kubectl get pods`` show them as a real node
would, so they are named once here."""

# Container events
CREATED_CONTAINER = "Created"
STARTED_CONTAINER = "Started"
FAILED_TO_CREATE_CONTAINER = "Failed"
KILLING_CONTAINER = "Killing"
BACK_OFF_START_CONTAINER = "BackOff"

# Image events
PULLING_IMAGE = "Pulling"
PULLED_IMAGE = "Pulled"
FAILED_TO_PULL_IMAGE = "Failed"
ERR_IMAGE_NEVER_PULL_POLICY = "ErrImageNeverPull"
BACK_OFF_PULL_IMAGE = "BackOff"

# Probe events
CONTAINER_UNHEALTHY = "Unhealthy"

# Pod sandbox events
SANDBOX_CHANGED = "SandboxChanged"
FAILED_CREATE_POD_SANDBOX = "FailedCreatePodSandBox"

# Node events (the node conditions' own come from node_status.STARTUP_NODE_EVENTS)
STARTING_KUBELET = "Starting"
SUCCESSFUL_NODE_ALLOCATABLE_ENFORCEMENT = "NodeAllocatableEnforced"

#: Admission: the scheduler predicate a pod failed on this node (``lifecycle.PodAdmitResult``).
NODE_AFFINITY = "NodeAffinity"

# Waiting reasons of a container status
CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"
ERR_IMAGE_PULL = "ErrImagePull"
IMAGE_PULL_BACK_OFF = "ImagePullBackOff"
ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull"
