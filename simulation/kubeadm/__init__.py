"""What ``kubeadm init`` leaves on a cluster: the control plane as static pods in the
control-plane node's manifest directory (:mod:`.manifests`), and the objects it writes through
the API server — its ConfigMaps and the add-ons kube-proxy and CoreDNS (:mod:`.addons`)."""
