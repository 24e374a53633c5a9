"""The scheduling framework: extension points, per-node aggregates and the plugin runner."""
