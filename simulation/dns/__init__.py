"""Cluster DNS: the CoreDNS ``kubernetes`` plugin's answers (:mod:`.records`), CoreDNS's own
watch of Services, EndpointSlices and Namespaces (:mod:`.coredns`), and a pod's stub resolver
reading the ``/etc/resolv.conf`` the kubelet wrote (:mod:`.resolver`)."""
