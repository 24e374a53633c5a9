"""kube-apiserver: the handler chain, its plugins, the registry, and the Kubernetes API it serves."""
