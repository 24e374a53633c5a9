"""Volume controllers, as upstream's ``pkg/controller/volume``: the PersistentVolume binder, and the
simulated external provisioner a default StorageClass names."""
