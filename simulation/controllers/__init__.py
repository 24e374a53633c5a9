"""kube-controller-manager's controllers, one module each (upstream's ``pkg/controller/*``), and the manager that hosts them."""
