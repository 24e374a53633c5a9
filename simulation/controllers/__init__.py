"""kube-controller-manager's controllers, as upstream's ``pkg/controller/*``: one module each
(a package for the Deployment controller, whose code upstream spreads over several files),
and the manager that hosts them."""
