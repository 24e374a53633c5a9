"""The Deployment controller, as upstream's ``pkg/controller/deployment``."""
