"""io.k8s.api.core.v1: the core ("") group, deep where kubectl users usually write fields."""
from __future__ import annotations

from ._helpers import (CORE as C, META, arr, boolean, byte, free, int32, int64, intstr, kind, list_kind,
                       mapof, obj, quantity, ref, string, strings, strmap, time, condition)

_name_req = string("Name of the referent.")
_OTHER_VOLUME_SOURCES = (
    "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "ephemeral", "fc",
    "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "image", "iscsi", "nfs",
    "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume",
)

_container_props = dict(
    args=strings("Arguments to the entrypoint. The container image's CMD is used if this is not provided. "
                 "Cannot be updated."),
    command=strings("Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is "
                    "used if this is not provided. Cannot be updated."),
    env=arr(C + "EnvVar", "List of environment variables to set in the container. Cannot be updated.",
            merge_key="name"),
    envFrom=arr(C + "EnvFromSource", "List of sources to populate environment variables in the container. "
                "Keys defined by env take precedence. Cannot be updated.", list_type="atomic"),
    image=string("Container image name. More info: https://kubernetes.io/docs/concepts/containers/images"),
    imagePullPolicy=string("Image pull policy: Always, Never or IfNotPresent. Defaults to Always if the "
                           ":latest tag is specified, or IfNotPresent otherwise. Cannot be updated.",
                           enum=["Always", "IfNotPresent", "Never"]),
    lifecycle=ref(C + "Lifecycle", "Actions that the management system should take in response to "
                  "container lifecycle events. Cannot be updated.", struct=False),
    livenessProbe=ref(C + "Probe", "Periodic probe of container liveness. The container will be restarted "
                      "if the probe fails. Cannot be updated.", struct=False),
    name=string("Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique "
                "name. Cannot be updated."),
    ports=arr(C + "ContainerPort", "List of ports to expose from the container. Mostly informational; any "
              "port listening on 0.0.0.0 inside the container is reachable. Cannot be updated.",
              merge_key="containerPort", map_keys=("containerPort", "protocol")),
    readinessProbe=ref(C + "Probe", "Periodic probe of container service readiness. The container is removed "
                       "from service endpoints if the probe fails. Cannot be updated.", struct=False),
    resizePolicy=arr(free("ContainerResizePolicy: resourceName and restartPolicy."),
                     "Resources resize policy for the container.", list_type="atomic"),
    resources=ref(C + "ResourceRequirements", "Compute Resources required by this container."),
    restartPolicy=string("RestartPolicy of an individual container; only \"Always\" is allowed, and only "
                         "for init containers (sidecars)."),
    securityContext=ref(C + "SecurityContext", "SecurityContext defines the security options the container "
                        "should be run with. Overrides the equivalent PodSecurityContext fields.", struct=False),
    startupProbe=ref(C + "Probe", "StartupProbe indicates that the Pod has successfully initialized. Other "
                     "probes do not run until it succeeds. Cannot be updated.", struct=False),
    stdin=boolean("Whether this container should allocate a buffer for stdin in the container runtime."),
    stdinOnce=boolean("Whether the container runtime should close the stdin channel after it has been "
                      "opened by a single attach."),
    terminationMessagePath=string("Path at which the file to which the container's termination message will "
                                  "be written is mounted. Defaults to /dev/termination-log."),
    terminationMessagePolicy=string("How the termination message should be populated: File or "
                                    "FallbackToLogsOnError. Defaults to File."),
    tty=boolean("Whether this container should allocate a TTY for itself; also requires 'stdin' to be true."),
    volumeDevices=arr(free("VolumeDevice: name and devicePath of a raw block device."),
                      "volumeDevices is the list of block devices to be used by the container.",
                      merge_key="devicePath"),
    volumeMounts=arr(C + "VolumeMount", "Pod volumes to mount into the container's filesystem. Cannot be "
                     "updated.", merge_key="mountPath"),
    workingDir=string("Container's working directory. The runtime's default is used if not specified. Cannot "
                      "be updated."),
)

_probe_handler = dict(
    exec=obj("ExecAction describes a \"run in container\" action.",
             command=strings("Command line to execute inside the container; exit status 0 is healthy.")),
    grpc=obj("GRPC specifies a GRPC HealthCheckRequest.", ("port",),
             port=int32("Port number of the gRPC service."),
             service=string("Name of the service to place in the gRPC HealthCheckRequest.")),
    httpGet=ref(C + "HTTPGetAction", "HTTPGet specifies an HTTP GET request to perform.", struct=False),
    tcpSocket=obj("TCPSocketAction describes an action based on opening a socket.", ("port",),
                  host=string("Optional: Host name to connect to, defaults to the pod IP."),
                  port=intstr("Number or name of the port to access on the container.")),
)

_profile = "{type, localhostProfile}: the profile to apply; type is RuntimeDefault, Unconfined or Localhost."
_security_common = dict(
    appArmorProfile=free("appArmorProfile is the AppArmor options to use " + _profile),
    runAsGroup=int64("The GID to run the entrypoint of the container process. Uses runtime default if unset."),
    runAsNonRoot=boolean("Indicates that the container must run as a non-root user. If true, the Kubelet will "
                         "validate the image at runtime to ensure that it does not run as UID 0 (root)."),
    runAsUser=int64("The UID to run the entrypoint of the container process. Defaults to user specified in "
                    "image metadata if unspecified."),
    seLinuxOptions=free("The SELinux context to be applied to the container(s): level, role, type, user."),
    seccompProfile=free("The seccomp options to use " + _profile),
    windowsOptions=free("The Windows specific settings applied to all containers."),
)
_node_condition = condition("NodeCondition contains condition information for a node.")
_node_condition["properties"]["lastHeartbeatTime"] = time("Last time we got an update on a given condition.")
_state = {
    "running": obj("ContainerStateRunning is a running state of a container.",
                   startedAt=time("Time at which the container was last (re-)started")),
    "terminated": obj("ContainerStateTerminated is a terminated state of a container.", ("exitCode",),
                      containerID=string("Container's ID in the format '<type>://<container_id>'"),
                      exitCode=int32("Exit status from the last termination of the container"),
                      finishedAt=time("Time at which the container last terminated"),
                      message=string("Message regarding the last termination of the container"),
                      reason=string("(brief) reason from the last termination of the container"),
                      signal=int32("Signal from the last termination of the container"),
                      startedAt=time("Time at which previous execution of the container started")),
    "waiting": obj("ContainerStateWaiting is a waiting state of a container.",
                   message=string("Message regarding why the container is not yet running."),
                   reason=string("(brief) reason the container is not yet running, e.g. ContainerCreating or "
                                 "CrashLoopBackOff.")),
}

SCHEMAS = {
    C + "SecurityContext": obj(
        "SecurityContext holds security configuration that will be applied to a container. Some fields are "
        "present in both SecurityContext and PodSecurityContext; when both are set, the values in "
        "SecurityContext take precedence.",
        props=dict(_security_common),
        allowPrivilegeEscalation=boolean("Controls whether a process can gain more privileges than its parent "
                                         "process (sets no_new_privs)."),
        capabilities=obj("Adds and removes POSIX capabilities from running containers.",
                         add=strings("Added capabilities"), drop=strings("Removed capabilities")),
        privileged=boolean("Run container in privileged mode. Processes in privileged containers are "
                           "essentially equivalent to root on the host. Defaults to false."),
        procMount=string("procMount denotes the type of proc mount to use for the containers: Default or "
                         "Unmasked."),
        readOnlyRootFilesystem=boolean("Whether this container has a read-only root filesystem. Default is "
                                       "false."),
    ),
    C + "PodSecurityContext": obj(
        "PodSecurityContext holds pod-level security attributes and common container settings.",
        props=dict(_security_common),
        fsGroup=int64("A special supplemental group that applies to all containers in a pod; volumes that "
                      "support it are owned by this GID."),
        fsGroupChangePolicy=string("Defines behavior of changing ownership and permission of the volume "
                                   "before being exposed inside Pod: OnRootMismatch or Always."),
        seLinuxChangePolicy=string("How the SELinux label is applied to all volumes used by the Pod."),
        supplementalGroups=arr(int64(), "A list of groups applied to the first process run in each container, "
                               "in addition to the container's primary GID.", list_type="atomic"),
        supplementalGroupsPolicy=string("How supplemental groups of the first container processes are "
                                        "calculated: Merge or Strict."),
        sysctls=arr(obj("Sysctl defines a kernel parameter to be set", ("name", "value"),
                        name=string("Name of a property to set"), value=string("Value of a property to set")),
                    "Namespaced sysctls used for the pod.", list_type="atomic"),
    ),
    C + "Affinity": obj(
        "Affinity is a group of affinity scheduling rules.",
        nodeAffinity=free("Describes node affinity scheduling rules for the pod "
                          "(requiredDuringSchedulingIgnoredDuringExecution, "
                          "preferredDuringSchedulingIgnoredDuringExecution)."),
        podAffinity=free("Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, "
                         "zone, etc. as some other pod(s))."),
        podAntiAffinity=free("Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in the "
                             "same node, zone, etc. as some other pod(s))."),
    ),
    C + "PodCondition": condition("PodCondition contains details for the current condition of this pod.",
                                  probe_time=True),
    C + "NamespaceCondition": condition("NamespaceCondition contains details about state of namespace."),
    C + "NodeCondition": _node_condition,
    C + "NodeAddress": obj("NodeAddress contains information for the node's address.", ("type", "address"),
                           address=string("The node address."),
                           type=string("Node address type, one of Hostname, ExternalIP or InternalIP.")),
    C + "ContainerState": obj("ContainerState holds a possible state of container. Only one of its members "
                              "may be specified. If none of them is specified, the default one is "
                              "ContainerStateWaiting.", props=_state),
    C + "Pod": kind(
        "Pod is a collection of containers that can run on a host. This resource is created by clients and "
        "scheduled onto hosts.", "", "v1", "Pod",
        spec=ref(C + "PodSpec", "Specification of the desired behavior of the pod."),
        status=ref(C + "PodStatus", "Most recently observed status of the pod. Populated by the system. "
                   "Read-only.")),
    C + "PodList": list_kind("", "v1", "PodList", C + "Pod"),
    C + "PodTemplateSpec": obj(
        "PodTemplateSpec describes the data a pod should have when created from a template.",
        metadata=ref(META + "ObjectMeta", "Standard object's metadata."),
        spec=ref(C + "PodSpec", "Specification of the desired behavior of the pod.")),
    C + "PodSpec": obj(
        "PodSpec is a description of a pod.", ("containers",),
        activeDeadlineSeconds=int64("Optional duration in seconds the pod may be active on the node relative "
                                    "to StartTime before the system will actively try to mark it failed."),
        affinity=ref(C + "Affinity", "If specified, the pod's scheduling constraints.", struct=False),
        automountServiceAccountToken=boolean("Indicates whether a service account token should be "
                                             "automatically mounted."),
        containers=arr(C + "Container", "List of containers belonging to the pod. There must be at least one "
                       "container in a Pod. Cannot be updated.", merge_key="name"),
        dnsConfig=free("Specifies the DNS parameters of a pod, merged into the generated DNS configuration."),
        dnsPolicy=string("Set DNS policy for the pod: ClusterFirstWithHostNet, ClusterFirst, Default or None. "
                         "Defaults to \"ClusterFirst\".",
                         enum=["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]),
        enableServiceLinks=boolean("Whether information about services should be injected into the pod's "
                                   "environment variables. Defaults to true."),
        ephemeralContainers=arr(free("An EphemeralContainer is a temporary container added to an existing "
                                     "pod for user-initiated activities such as debugging."),
                                "List of ephemeral containers run in this pod.", merge_key="name"),
        hostAliases=arr(obj("HostAlias holds the mapping between IP and hostnames that will be injected as "
                            "an entry in the pod's hosts file.", ("ip",),
                            hostnames=strings("Hostnames for the above IP address."),
                            ip=string("IP address of the host file entry.")),
                        "HostAliases is an optional list of hosts and IPs that will be injected into the "
                        "pod's hosts file.", merge_key="ip"),
        hostIPC=boolean("Use the host's ipc namespace. Optional: Default to false."),
        hostNetwork=boolean("Host networking requested for this pod. Use the host's network namespace. "
                            "Default to false."),
        hostPID=boolean("Use the host's pid namespace. Optional: Default to false."),
        hostUsers=boolean("Use the host's user namespace. Optional: Default to true."),
        hostname=string("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set "
                        "to a system-defined value."),
        imagePullSecrets=arr(C + "LocalObjectReference", "References to secrets in the same namespace to use "
                             "for pulling any of the images used by this PodSpec.", merge_key="name"),
        initContainers=arr(C + "Container", "List of initialization containers, run in order before the "
                           "app containers are started.", merge_key="name"),
        nodeName=string("A request to schedule this pod onto a specific node. If non-empty, the scheduler "
                        "simply schedules this pod onto that node."),
        nodeSelector=strmap("A selector which must be true for the pod to fit on a node: the node's labels "
                            "must match every key-value pair."),
        os=free("Specifies the OS of the containers in the pod (name: linux or windows)."),
        overhead=mapof(quantity(), "The resource overhead associated with running a pod for a given "
                       "RuntimeClass."),
        preemptionPolicy=string("Policy for preempting pods with lower priority: Never or "
                                "PreemptLowerPriority (the default)."),
        priority=int32("The priority value. Various system components use this field to find the priority "
                       "of the pod."),
        priorityClassName=string("If specified, indicates the pod's priority class."),
        readinessGates=arr(free("PodReadinessGate contains the reference to a pod condition (conditionType)."),
                           "If specified, all readiness gates will be evaluated for pod readiness.",
                           list_type="atomic"),
        resourceClaims=arr(free("PodResourceClaim references exactly one ResourceClaim."),
                           "ResourceClaims defines which ResourceClaims must be allocated and reserved "
                           "before the Pod is allowed to start.", merge_key="name"),
        resources=ref(C + "ResourceRequirements", "Pod-level resource requirements.", struct=False),
        restartPolicy=string("Restart policy for all containers within the pod: Always, OnFailure or Never. "
                             "Default to Always.", enum=["Always", "Never", "OnFailure"]),
        runtimeClassName=string("Refers to a RuntimeClass object in the node.k8s.io group which should be "
                                "used to run this pod."),
        schedulerName=string("If specified, the pod will be dispatched by the specified scheduler; otherwise "
                             "by the default scheduler."),
        schedulingGates=arr(free("PodSchedulingGate is associated to a Pod to guard its scheduling (name)."),
                            "An opaque list of values that if specified will block scheduling the pod.",
                            merge_key="name"),
        securityContext=ref(C + "PodSecurityContext", "SecurityContext holds pod-level security attributes "
                            "and common container settings. Optional: Defaults to empty."),
        serviceAccount=string("Deprecated alias for ServiceAccountName: use serviceAccountName instead."),
        serviceAccountName=string("Name of the ServiceAccount to use to run this pod."),
        setHostnameAsFQDN=boolean("If true the pod's hostname will be configured as the pod's FQDN. Default "
                                  "to false."),
        shareProcessNamespace=boolean("Share a single process namespace between all of the containers in a "
                                      "pod. Default to false."),
        subdomain=string("If specified, the fully qualified Pod hostname will be "
                         "\"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\"."),
        terminationGracePeriodSeconds=int64("Optional duration in seconds the pod needs to terminate "
                                            "gracefully. Defaults to 30 seconds."),
        tolerations=arr(C + "Toleration", "If specified, the pod's tolerations.", list_type="atomic"),
        topologySpreadConstraints=arr(free("TopologySpreadConstraint specifies how to spread matching pods "
                                           "among the given topology."),
                                      "Describes how a group of pods ought to spread across topology "
                                      "domains.", merge_key="topologyKey",
                                      map_keys=("topologyKey", "whenUnsatisfiable")),
        volumes=arr(C + "Volume", "List of volumes that can be mounted by containers belonging to the pod.",
                    merge_key="name", strategy="merge,retainKeys"),
    ),
    C + "Container": obj("A single application container that you want to run within a pod.", ("name",),
                         props=_container_props),
    C + "ContainerPort": obj(
        "ContainerPort represents a network port in a single container.", ("containerPort",),
        containerPort=int32("Number of port to expose on the pod's IP address: 0 < x < 65536."),
        hostIP=string("What host IP to bind the external port to."),
        hostPort=int32("Number of port to expose on the host; most containers do not need this."),
        name=string("If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port "
                    "in a pod must have a unique name."),
        protocol=string("Protocol for port. Must be UDP, TCP, or SCTP. Defaults to \"TCP\".",
                        enum=["SCTP", "TCP", "UDP"]),
    ),
    C + "EnvVar": obj(
        "EnvVar represents an environment variable present in a Container.", ("name",),
        name=string("Name of the environment variable."),
        value=string("Variable value; $(VAR_NAME) references to previously defined variables are expanded. "
                     "Defaults to \"\"."),
        valueFrom=ref(C + "EnvVarSource", "Source for the environment variable's value. Cannot be used if "
                      "value is not empty.", struct=False),
    ),
    C + "EnvVarSource": obj(
        "EnvVarSource represents a source for the value of an EnvVar.",
        configMapKeyRef=obj("Selects a key from a ConfigMap.", ("key",), key=string("The key to select."),
                            name=_name_req, optional=boolean("Whether the ConfigMap or its key must be "
                                                             "defined.")),
        fieldRef=obj("Selects a field of the pod, e.g. metadata.name, metadata.namespace, spec.nodeName, "
                     "status.podIP.", ("fieldPath",),
                     apiVersion=string("Version of the schema the FieldPath is written in terms of, defaults "
                                       "to \"v1\"."),
                     fieldPath=string("Path of the field to select in the specified API version.")),
        resourceFieldRef=obj("Selects a resource of the container: limits and requests (limits.cpu, "
                             "limits.memory, requests.cpu, ...).", ("resource",),
                             containerName=string("Container name: required for volumes, optional for env "
                                                  "vars."),
                             divisor=quantity("Specifies the output format of the exposed resources, "
                                              "defaults to \"1\"."),
                             resource=string("Required: resource to select.")),
        secretKeyRef=obj("Selects a key of a secret in the pod's namespace.", ("key",),
                         key=string("The key of the secret to select from. Must be a valid secret key."),
                         name=_name_req, optional=boolean("Whether the Secret or its key must be defined.")),
    ),
    C + "EnvFromSource": obj(
        "EnvFromSource represents the source of a set of ConfigMaps or Secrets.",
        configMapRef=obj("The ConfigMap to select from.", name=_name_req,
                         optional=boolean("Whether the ConfigMap must be defined.")),
        prefix=string("Optional text to prepend to the name of each environment variable."),
        secretRef=obj("The Secret to select from.", name=_name_req,
                      optional=boolean("Whether the Secret must be defined.")),
    ),
    C + "ResourceRequirements": obj(
        "ResourceRequirements describes the compute resource requirements.",
        claims=arr(free("ResourceClaim references one entry in PodSpec.ResourceClaims (name, request)."),
                   "Claims lists the names of resources, defined in spec.resourceClaims, that are used by "
                   "this container.", list_type="map", map_keys=("name",)),
        limits=mapof(quantity(), "Limits describes the maximum amount of compute resources allowed."),
        requests=mapof(quantity(), "Requests describes the minimum amount of compute resources required. "
                       "If omitted, it defaults to Limits if that is explicitly specified."),
    ),
    C + "Probe": obj(
        "Probe describes a health check to be performed against a container to determine whether it is "
        "alive or ready to receive traffic.",
        props=dict(_probe_handler),
        failureThreshold=int32("Minimum consecutive failures for the probe to be considered failed after "
                               "having succeeded. Defaults to 3. Minimum value is 1."),
        initialDelaySeconds=int32("Number of seconds after the container has started before probes are "
                                  "initiated."),
        periodSeconds=int32("How often (in seconds) to perform the probe. Default to 10 seconds. Minimum "
                            "value is 1."),
        successThreshold=int32("Minimum consecutive successes for the probe to be considered successful "
                               "after having failed. Defaults to 1."),
        terminationGracePeriodSeconds=int64("Optional duration in seconds the pod needs to terminate "
                                            "gracefully upon probe failure."),
        timeoutSeconds=int32("Number of seconds after which the probe times out. Defaults to 1 second."),
    ),
    C + "HTTPGetAction": obj(
        "HTTPGetAction describes an action based on HTTP Get requests.", ("port",),
        host=string("Host name to connect to, defaults to the pod IP."),
        httpHeaders=arr(obj("HTTPHeader describes a custom header to be used in HTTP probes.",
                            ("name", "value"), name=string("The header field name."),
                            value=string("The header field value")),
                        "Custom headers to set in the request.", list_type="atomic"),
        path=string("Path to access on the HTTP server."),
        port=intstr("Name or number of the port to access on the container."),
        scheme=string("Scheme to use for connecting to the host. Defaults to HTTP.", enum=["HTTP", "HTTPS"]),
    ),
    C + "Lifecycle": obj(
        "Lifecycle describes actions that the management system should take in response to container "
        "lifecycle events.",
        postStart=free("PostStart is called immediately after a container is created."),
        preStop=free("PreStop is called immediately before a container is terminated."),
        stopSignal=string("StopSignal defines which signal will be sent to a container when it is being "
                          "stopped."),
    ),
    C + "VolumeMount": obj(
        "VolumeMount describes a mounting of a Volume within a container.", ("name", "mountPath"),
        mountPath=string("Path within the container at which the volume should be mounted. Must not contain "
                         "':'."),
        mountPropagation=string("Determines how mounts are propagated from the host to container and the "
                                "other way around."),
        name=string("This must match the Name of a Volume."),
        readOnly=boolean("Mounted read-only if true, read-write otherwise (false or unspecified)."),
        recursiveReadOnly=string("Specifies whether read-only mounts should be handled recursively."),
        subPath=string("Path within the volume from which the container's volume should be mounted. "
                       "Defaults to \"\" (volume's root)."),
        subPathExpr=string("Expanded path within the volume from which the container's volume should be "
                           "mounted; $(VAR_NAME) references are expanded."),
    ),
    C + "Volume": obj(
        "Volume represents a named volume in a pod that may be accessed by any container in the pod.",
        ("name",),
        props={s: free(f"The {s} volume source; not described here.") for s in _OTHER_VOLUME_SOURCES},
        configMap=obj("Adapts a ConfigMap into a volume: each key in Data becomes a file.",
                      defaultMode=int32("Mode bits used to set permissions on created files by default."),
                      items=arr(C + "KeyToPath", "Which keys to project and where; unlisted keys are not "
                                "projected.", list_type="atomic"),
                      name=_name_req, optional=boolean("Whether the ConfigMap or its keys must be defined.")),
        downwardAPI=free("DownwardAPI represents downward API about the pod that should populate this volume."),
        emptyDir=obj("Represents an empty directory for a pod that shares the pod's lifetime.",
                     medium=string("What type of storage medium should back this directory: \"\" (the "
                                   "node's default) or \"Memory\"."),
                     sizeLimit=quantity("Total amount of local storage required for this EmptyDir volume.")),
        hostPath=obj("Represents a host path mapped into a pod.", ("path",),
                     path=string("Path of the directory on the host. If the path is a symlink, it will "
                                 "follow the link to the real path."),
                     type=string("Type for HostPath Volume. Defaults to \"\".")),
        name=string("Name of the volume. Must be a DNS_LABEL and unique within the pod."),
        persistentVolumeClaim=obj("References a PersistentVolumeClaim in the same namespace.", ("claimName",),
                                  claimName=string("The name of a PersistentVolumeClaim in the same namespace "
                                                   "as the pod using this volume."),
                                  readOnly=boolean("Will force the ReadOnly setting in VolumeMounts.")),
        projected=free("Items for all in one resources secrets, configmaps, and downward API."),
        secret=obj("Adapts a Secret into a volume: each key in Data becomes a file.",
                   defaultMode=int32("Mode bits used to set permissions on created files by default."),
                   items=arr(C + "KeyToPath", "Which keys to project and where.", list_type="atomic"),
                   optional=boolean("Whether the Secret or its keys must be defined."),
                   secretName=string("Name of the secret in the pod's namespace to use.")),
    ),
    C + "KeyToPath": obj("Maps a string key to a path within a volume.", ("key", "path"),
                         key=string("The key to project."),
                         mode=int32("Optional: mode bits used to set permissions on this file."),
                         path=string("The relative path of the file to map the key to.")),
    C + "LocalObjectReference": obj("LocalObjectReference contains enough information to let you locate the "
                                    "referenced object inside the same namespace.", name=_name_req),
    C + "Toleration": obj(
        "The pod this Toleration is attached to tolerates any taint that matches the triple "
        "<key,value,effect> using the matching operator <operator>.",
        effect=string("Effect indicates the taint effect to match. Empty means match all taint effects."),
        key=string("Key is the taint key that the toleration applies to. Empty means match all taint keys."),
        operator=string("Operator represents a key's relationship to the value: Exists or Equal (the "
                        "default)."),
        tolerationSeconds=int64("The period of time the toleration (which must be of effect NoExecute) "
                                "tolerates the taint."),
        value=string("Value is the taint value the toleration matches to."),
    ),
    C + "PodStatus": obj(
        "PodStatus represents information about the status of a pod. Status may trail the actual state of "
        "a system.",
        conditions=arr(C + "PodCondition",
                       "Current service state of pod.", merge_key="type"),
        containerStatuses=arr(C + "ContainerStatus", "Statuses of the containers in the pod, one per "
                              "container in the manifest.", list_type="atomic"),
        ephemeralContainerStatuses=arr(C + "ContainerStatus", "Statuses for any ephemeral containers.",
                                       list_type="atomic"),
        hostIP=string("hostIP holds the IP address of the host to which the pod is assigned."),
        hostIPs=arr(obj("HostIP represents a single IP address allocated to the host.", ("ip",),
                        ip=string("IP is the IP address assigned to the host.")),
                    "IP addresses allocated to the host.", merge_key="ip", list_type="atomic"),
        initContainerStatuses=arr(C + "ContainerStatus", "Statuses of the init containers in the pod.",
                                  list_type="atomic"),
        message=string("A human readable message indicating details about why the pod is in this condition."),
        nominatedNodeName=string("Set only when this pod preempts other pods on the node."),
        observedGeneration=int64("The .metadata.generation that the pod status was set based upon."),
        phase=string("The phase of a Pod is a simple, high-level summary of where the Pod is in its "
                     "lifecycle: Pending, Running, Succeeded, Failed or Unknown.",
                     enum=["Failed", "Pending", "Running", "Succeeded", "Unknown"]),
        podIP=string("IP address allocated to the pod. Routable at least within the cluster. Empty if not "
                     "yet allocated."),
        podIPs=arr(obj("PodIP represents a single IP address allocated to the pod.", ("ip",),
                       ip=string("IP is the IP address assigned to the pod.")),
                   "IP addresses allocated to the pod.", merge_key="ip"),
        qosClass=string("The Quality of Service (QOS) classification assigned to the pod based on resource "
                        "requirements: Guaranteed, Burstable or BestEffort.",
                        enum=["BestEffort", "Burstable", "Guaranteed"]),
        reason=string("A brief CamelCase message indicating details about why the pod is in this state."),
        resize=string("Status of resources resize desired for pod's containers."),
        resourceClaimStatuses=arr(free("Status of a resource claim."), "Status of resource claims.",
                                  merge_key="name"),
        startTime=time("RFC 3339 date and time at which the object was acknowledged by the Kubelet, before "
                       "the Kubelet pulled the container image(s) for the pod."),
    ),
    C + "ContainerStatus": obj(
        "ContainerStatus contains details for the current status of this container.",
        ("name", "ready", "restartCount", "image", "imageID"),
        allocatedResources=mapof(quantity(), "Compute resources allocated for this container by the node."),
        containerID=string("ContainerID is the ID of the container in the format '<type>://<container_id>'."),
        image=string("The name of the container image that the container is running."),
        imageID=string("The image ID of the container's image."),
        lastState=ref(C + "ContainerState", "LastTerminationState holds the last termination state of the "
                      "container."),
        name=string("Name is a DNS_LABEL representing the unique name of the container."),
        ready=boolean("Whether the container is currently passing its readiness check."),
        resources=ref(C + "ResourceRequirements", "Compute resource requests and limits applied to the "
                      "container.", struct=False),
        restartCount=int32("The number of times the container has been restarted."),
        started=boolean("Whether the container has finished its postStart lifecycle hook and passed its "
                        "startup probe."),
        state=ref(C + "ContainerState", "State holds details about the container's current condition."),
        user=free("User represents user identity information initially attached to the first process of "
                  "the container."),
        volumeMounts=arr(free("Status of a volume mount."), "Status of volume mounts.", merge_key="mountPath"),
    ),
    C + "Binding": kind("Binding ties one object to another; for example, a pod is bound to a node by a "
                        "scheduler.", "", "v1", "Binding", ("target",),
                        target=ref(C + "ObjectReference", "The target object that you want to bind to the "
                                   "standard object.")),
    C + "ObjectReference": obj(
        "ObjectReference contains enough information to let you inspect or modify the referred object.",
        apiVersion=string("API version of the referent."),
        fieldPath=string("If referring to a piece of an object instead of an entire object, this string "
                         "should contain a valid JSON/Go field access statement."),
        kind=string("Kind of the referent."),
        name=string("Name of the referent."),
        namespace=string("Namespace of the referent."),
        resourceVersion=string("Specific resourceVersion to which this reference is made, if any."),
        uid=string("UID of the referent."),
    ),
    # ---------------------------------------------------------------- services and endpoints
    C + "Service": kind(
        "Service is a named abstraction of software service (for example, mysql) consisting of local port "
        "(for example 3306) that the proxy listens on, and the selector that determines which pods will "
        "answer requests sent through the proxy.", "", "v1", "Service",
        spec=ref(C + "ServiceSpec", "Spec defines the behavior of a service."),
        status=ref(C + "ServiceStatus", "Most recently observed status of the service. Populated by the "
                   "system. Read-only.")),
    C + "ServiceList": list_kind("", "v1", "ServiceList", C + "Service"),
    C + "ServiceSpec": obj(
        "ServiceSpec describes the attributes that a user creates on a service.",
        allocateLoadBalancerNodePorts=boolean("Whether NodePorts will be automatically allocated for "
                                              "services with type LoadBalancer. Default is true."),
        clusterIP=string("The IP address of the service, usually assigned randomly. \"None\" makes a headless "
                         "service."),
        clusterIPs=strings("IP addresses assigned to this service, usually assigned randomly; clusterIPs[0] "
                           "equals clusterIP."),
        externalIPs=strings("A list of IP addresses for which nodes in the cluster will also accept traffic "
                            "for this service."),
        externalName=string("The external reference that discovery mechanisms will return as an alias for "
                            "this service (a DNS CNAME record). Requires type ExternalName."),
        externalTrafficPolicy=string("How nodes distribute service traffic they receive on externally-facing "
                                     "addresses: Cluster or Local.", enum=["Cluster", "Local"]),
        healthCheckNodePort=int32("The healthcheck nodePort for the service, for LoadBalancer services with "
                                  "externalTrafficPolicy=Local."),
        internalTrafficPolicy=string("How nodes distribute service traffic they receive on the ClusterIP: "
                                     "Cluster or Local.", enum=["Cluster", "Local"]),
        ipFamilies=strings("IPFamilies is a list of IP families (IPv4, IPv6) assigned to this service."),
        ipFamilyPolicy=string("The dual-stackness requested or required by this Service: SingleStack, "
                              "PreferDualStack or RequireDualStack."),
        loadBalancerClass=string("The class of the load balancer implementation this Service belongs to."),
        loadBalancerIP=string("Deprecated: only applies to Service Type LoadBalancer."),
        loadBalancerSourceRanges=strings("Client IPs allowed to reach a cloud-provider load balancer."),
        ports=arr(C + "ServicePort", "The list of ports that are exposed by this service.", merge_key="port",
                  map_keys=("port", "protocol")),
        publishNotReadyAddresses=boolean("Whether DNS should publish addresses of not-ready endpoints."),
        selector=strmap("Route service traffic to pods with label keys and values matching this selector. "
                        "Ignored for ExternalName services."),
        sessionAffinity=string("Supports \"ClientIP\" and \"None\". Used to maintain session affinity. "
                               "Defaults to None.", enum=["ClientIP", "None"]),
        sessionAffinityConfig=free("sessionAffinityConfig contains the configurations of session affinity."),
        trafficDistribution=string("Offers a way to express preferences for how traffic is distributed to "
                                   "Service endpoints."),
        type=string("How the Service is exposed: ClusterIP (the default), NodePort, LoadBalancer or "
                    "ExternalName.", enum=["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]),
    ),
    C + "ServicePort": obj(
        "ServicePort contains information on service's port.", ("port",),
        appProtocol=string("The application protocol for this port, used as a hint for implementations."),
        name=string("The name of this port within the service. Must be a DNS_LABEL; required if there is "
                    "more than one port."),
        nodePort=int32("The port on each node on which this service is exposed when type is NodePort or "
                       "LoadBalancer. Usually assigned by the system."),
        port=int32("The port that will be exposed by this service."),
        protocol=string("The IP protocol for this port: TCP, UDP, or SCTP. Default is TCP.",
                        enum=["SCTP", "TCP", "UDP"]),
        targetPort=intstr("Number or name of the port to access on the pods targeted by the service. "
                          "Defaults to the value of 'port'."),
    ),
    C + "ServiceStatus": obj(
        "ServiceStatus represents the current status of a service.",
        conditions=arr(META + "Condition", "Current service state.", merge_key="type"),
        loadBalancer=free("LoadBalancer contains the current status of the load-balancer, if one is "
                          "present."),
    ),
    C + "Endpoints": kind(
        "Endpoints is a collection of endpoints that implement the actual service.", "", "v1", "Endpoints",
        subsets=arr(C + "EndpointSubset", "The set of all endpoints is the union of all subsets.",
                    list_type="atomic")),
    C + "EndpointsList": list_kind("", "v1", "EndpointsList", C + "Endpoints"),
    C + "EndpointSubset": obj(
        "EndpointSubset is a group of addresses with a common set of ports.",
        addresses=arr(C + "EndpointAddress", "IP addresses which offer the related ports that are marked as "
                      "ready.", list_type="atomic"),
        notReadyAddresses=arr(C + "EndpointAddress", "IP addresses which offer the related ports but are "
                              "not currently marked as ready.", list_type="atomic"),
        ports=arr(obj("EndpointPort is a tuple that describes a single port.", ("port",),
                      appProtocol=string("The application protocol for this port."),
                      name=string("The name of this port. Must match the name of the ServicePort."),
                      port=int32("The port number of the endpoint."),
                      protocol=string("The IP protocol for this port: TCP, UDP, or SCTP. Default is TCP.")),
                  "Port numbers available on the related IP addresses.", list_type="atomic"),
    ),
    C + "EndpointAddress": obj(
        "EndpointAddress is a tuple that describes single IP address.", ("ip",),
        hostname=string("The Hostname of this endpoint."),
        ip=string("The IP of this endpoint."),
        nodeName=string("Optional: Node hosting this endpoint."),
        targetRef=ref(C + "ObjectReference", "Reference to object providing the endpoint.", struct=False),
    ),
    # ---------------------------------------------------------------- config
    C + "ConfigMap": kind(
        "ConfigMap holds configuration data for pods to consume.", "", "v1", "ConfigMap",
        binaryData=mapof(byte(), "BinaryData contains the binary data; values are base64 encoded in JSON. "
                         "Keys must not overlap with the Data field."),
        data=strmap("Data contains the configuration data. Keys must consist of alphanumeric characters, "
                    "'-', '_' or '.'."),
        immutable=boolean("If set to true, ensures that data stored in the ConfigMap cannot be updated "
                          "(only object metadata can be modified)."),
    ),
    C + "ConfigMapList": list_kind("", "v1", "ConfigMapList", C + "ConfigMap"),
    C + "Secret": kind(
        "Secret holds secret data of a certain type. The total bytes of the values in the Data field must "
        "be less than MaxSecretSize bytes.", "", "v1", "Secret",
        data=mapof(byte(), "Data contains the secret data. Values are base64 encoded strings in JSON."),
        immutable=boolean("If set to true, ensures that data stored in the Secret cannot be updated (only "
                          "object metadata can be modified)."),
        stringData=strmap("stringData allows specifying non-binary secret data in string form. It is merged "
                          "into the data field on write; it is never output when reading from the API."),
        type=string("Used to facilitate programmatic handling of secret data, e.g. Opaque (the default) or "
                    "kubernetes.io/tls."),
    ),
    C + "SecretList": list_kind("", "v1", "SecretList", C + "Secret"),
    C + "ServiceAccount": kind(
        "ServiceAccount binds together a name, understood by users and perhaps by peripheral systems, for "
        "an identity; a principal that can be authenticated and authorized; and a set of secrets.",
        "", "v1", "ServiceAccount",
        automountServiceAccountToken=boolean("Whether pods running as this service account should have an "
                                             "API token automatically mounted."),
        imagePullSecrets=arr(C + "LocalObjectReference", "References to secrets in the same namespace to use "
                             "for pulling images in pods that reference this ServiceAccount.",
                             list_type="atomic"),
        secrets=arr(C + "ObjectReference", "Secrets is a list of the secrets in the same namespace that pods "
                    "running using this ServiceAccount are allowed to use.", merge_key="name"),
    ),
    C + "ServiceAccountList": list_kind("", "v1", "ServiceAccountList", C + "ServiceAccount"),
    # ---------------------------------------------------------------- namespaces and nodes
    C + "Namespace": kind(
        "Namespace provides a scope for Names. Use of multiple namespaces is optional.", "", "v1", "Namespace",
        spec=ref(C + "NamespaceSpec", "Spec defines the behavior of the Namespace."),
        status=ref(C + "NamespaceStatus", "Status describes the current status of a Namespace.")),
    C + "NamespaceList": list_kind("", "v1", "NamespaceList", C + "Namespace"),
    C + "NamespaceSpec": obj("NamespaceSpec describes the attributes on a Namespace.",
                             finalizers=strings("Finalizers is an opaque list of values that must be empty to "
                                                "permanently remove object from storage.")),
    C + "NamespaceStatus": obj(
        "NamespaceStatus is information about the current status of a Namespace.",
        conditions=arr(C + "NamespaceCondition",
                       "Represents the latest available observations of a namespace's current state.",
                       merge_key="type"),
        phase=string("Phase is the current lifecycle phase of the namespace: Active or Terminating.",
                     enum=["Active", "Terminating"]),
    ),
    C + "Node": kind(
        "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in "
        "etcd).", "", "v1", "Node",
        spec=ref(C + "NodeSpec", "Spec defines the behavior of a node."),
        status=ref(C + "NodeStatus", "Most recently observed status of the node. Populated by the system. "
                   "Read-only.")),
    C + "NodeList": list_kind("", "v1", "NodeList", C + "Node"),
    C + "NodeSpec": obj(
        "NodeSpec describes the attributes that a node is created with.",
        configSource=free("Deprecated: previously used to specify the source of the node's configuration."),
        externalID=string("Deprecated. Not all kubelets will set this field."),
        podCIDR=string("PodCIDR represents the pod IP range assigned to the node."),
        podCIDRs=arr(string(), "podCIDRs represents the IP ranges assigned to the node for usage by Pods on "
                     "that node.", list_type="set", strategy="merge"),
        providerID=string("ID of the node assigned by the cloud provider in the format "
                          "<ProviderName>://<ProviderSpecificNodeID>."),
        taints=arr(C + "Taint", "If specified, the node's taints.", list_type="atomic"),
        unschedulable=boolean("Unschedulable controls node schedulability of new pods. By default, node is "
                              "schedulable."),
    ),
    C + "Taint": obj(
        "The node this Taint is attached to has the \"effect\" on any pod that does not tolerate the Taint.",
        ("key", "effect"),
        effect=string("The effect of the taint on pods that do not tolerate the taint: NoSchedule, "
                      "PreferNoSchedule or NoExecute.", enum=["NoExecute", "NoSchedule", "PreferNoSchedule"]),
        key=string("The taint key to be applied to a node."),
        timeAdded=time("The time at which the taint was added. Only written for NoExecute taints."),
        value=string("The taint value corresponding to the taint key."),
    ),
    C + "NodeStatus": obj(
        "NodeStatus is information about the current status of a node.",
        addresses=arr(C + "NodeAddress",
                      "List of addresses reachable to the node.", merge_key="type", map_keys=("type",)),
        allocatable=mapof(quantity(), "Allocatable represents the resources of a node that are available for "
                          "scheduling. Defaults to Capacity."),
        capacity=mapof(quantity(), "Capacity represents the total resources of a node."),
        conditions=arr(C + "NodeCondition",
                       "Conditions is an array of current observed node conditions.", merge_key="type"),
        config=free("Status of the config assigned to the node via the dynamic Kubelet config feature."),
        daemonEndpoints=free("Endpoints of daemons running on the Node."),
        features=free("Features describes the set of features implemented by the CRI implementation."),
        images=arr(free("Describe a container image: names and sizeBytes."), "List of container images on "
                   "this node", list_type="atomic"),
        nodeInfo=ref(C + "NodeSystemInfo", "Set of ids/uuids to uniquely identify the node."),
        phase=string("NodePhase is the recently observed lifecycle phase of the node. Deprecated."),
        runtimeHandlers=arr(free("A runtime handler."), "The available runtime handlers.",
                            list_type="atomic"),
        volumesAttached=arr(free("AttachedVolume describes a volume attached to a node."),
                            "List of volumes that are attached to the node.", list_type="atomic"),
        volumesInUse=strings("List of attachable volumes in use (mounted) by the node."),
    ),
    C + "NodeSystemInfo": obj(
        "NodeSystemInfo is a set of ids/uuids to uniquely identify the node.",
        ("machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
         "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"),
        architecture=string("The Architecture reported by the node."),
        bootID=string("Boot ID reported by the node."),
        containerRuntimeVersion=string("ContainerRuntime Version reported by the node through runtime remote "
                                       "API (e.g. containerd://1.4.2)."),
        kernelVersion=string("Kernel Version reported by the node from 'uname -r'."),
        kubeProxyVersion=string("Deprecated: KubeProxy Version reported by the node."),
        kubeletVersion=string("Kubelet Version reported by the node."),
        machineID=string("MachineID reported by the node."),
        operatingSystem=string("The Operating System reported by the node."),
        osImage=string("OS Image reported by the node from /etc/os-release."),
        swap=free("Swap Info reported by the node."),
        systemUUID=string("SystemUUID reported by the node."),
    ),
    # ---------------------------------------------------------------- events, quotas, limits, status
    C + "Event": kind(
        "Event is a report of an event somewhere in the cluster.", "", "v1", "Event",
        ("metadata", "involvedObject"),
        action=string("What action was taken/failed regarding to the Regarding object."),
        count=int32("The number of times this event has occurred."),
        eventTime=ref(META + "MicroTime", "Time when this Event was first observed.", struct=False),
        firstTimestamp=time("The time at which the event was first recorded."),
        involvedObject=ref(C + "ObjectReference", "The object that this event is about."),
        lastTimestamp=time("The time at which the most recent occurrence of this event was recorded."),
        message=string("A human-readable description of the status of this operation."),
        reason=string("This should be a short, machine understandable string that gives the reason for the "
                      "transition into the object's current status."),
        related=ref(C + "ObjectReference", "Optional secondary object for more complex actions.",
                    struct=False),
        reportingComponent=string("Name of the controller that emitted this Event, e.g. "
                                  "`kubernetes.io/kubelet`."),
        reportingInstance=string("ID of the controller instance, e.g. `kubelet-xyzf`."),
        series=free("Data about the Event series this event represents."),
        source=obj("EventSource contains information for an event.",
                   component=string("Component from which the event is generated."),
                   host=string("Node name on which the event is generated.")),
        type=string("Type of this event (Normal, Warning), new types could be added in the future."),
    ),
    C + "EventList": list_kind("", "v1", "EventList", C + "Event"),
    C + "ResourceQuota": kind(
        "ResourceQuota sets aggregate quota restrictions enforced per namespace.", "", "v1", "ResourceQuota",
        spec=ref(C + "ResourceQuotaSpec", "Spec defines the desired quota."),
        status=ref(C + "ResourceQuotaStatus", "Status defines the actual enforced quota and its current "
                   "usage.")),
    C + "ResourceQuotaList": list_kind("", "v1", "ResourceQuotaList", C + "ResourceQuota"),
    C + "ResourceQuotaSpec": obj(
        "ResourceQuotaSpec defines the desired hard limits to enforce for Quota.",
        hard=mapof(quantity(), "hard is the set of desired hard limits for each named resource."),
        scopeSelector=free("scopeSelector is also a collection of filters like scopes that must match each "
                           "object tracked by a quota."),
        scopes=strings("A collection of filters that must match each object tracked by a quota."),
    ),
    C + "ResourceQuotaStatus": obj(
        "ResourceQuotaStatus defines the enforced hard limits and observed use.",
        hard=mapof(quantity(), "Hard is the set of enforced hard limits for each named resource."),
        used=mapof(quantity(), "Used is the current observed total usage of the resource in the namespace."),
    ),
    C + "LimitRange": kind(
        "LimitRange sets resource usage limits for each kind of resource in a Namespace.", "", "v1",
        "LimitRange", spec=ref(C + "LimitRangeSpec", "Spec defines the limits enforced.")),
    C + "LimitRangeList": list_kind("", "v1", "LimitRangeList", C + "LimitRange"),
    C + "LimitRangeSpec": obj("LimitRangeSpec defines a min/max usage limit for resources that match on kind.",
                              ("limits",),
                              limits=arr(C + "LimitRangeItem", "Limits is the list of LimitRangeItem objects "
                                         "that are enforced.", list_type="atomic")),
    C + "LimitRangeItem": obj(
        "LimitRangeItem defines a min/max usage limit for any resource that matches on kind.", ("type",),
        default=mapof(quantity(), "Default resource requirement limit value by resource name if resource "
                      "limit is omitted."),
        defaultRequest=mapof(quantity(), "DefaultRequest is the default resource requirement request value "
                             "by resource name if resource request is omitted."),
        max=mapof(quantity(), "Max usage constraints on this kind by resource name."),
        maxLimitRequestRatio=mapof(quantity(), "If specified, the named resource must have a request and "
                                   "limit that are both non-zero where limit divided by request is less than "
                                   "or equal to this value."),
        min=mapof(quantity(), "Min usage constraints on this kind by resource name."),
        type=string("Type of resource that this limit applies to: Pod, Container or "
                    "PersistentVolumeClaim."),
    ),
    C + "ComponentStatus": kind(
        "ComponentStatus (and ComponentStatusList) holds the cluster validation info. Deprecated: This API "
        "is deprecated in v1.19+", "", "v1", "ComponentStatus",
        conditions=arr(obj("Information about the condition of a component.", ("type", "status"),
                           error=string("Condition error code for a component."),
                           message=string("Message about the condition for a component."),
                           status=string("Status of the condition for a component: True, False or Unknown."),
                           type=string("Type of condition for a component. Valid value: \"Healthy\"")),
                       "List of component conditions observed", merge_key="type"),
    ),
    C + "ComponentStatusList": list_kind("", "v1", "ComponentStatusList", C + "ComponentStatus"),
}
