"""Pod networking as a node holds it: the CNI bridge and its veth pairs (:mod:`.cni`), the
node's interfaces and routes (:mod:`.iproute`), the path a packet takes (:mod:`.path`) and the
destinations a learner names (:mod:`.target`)."""
