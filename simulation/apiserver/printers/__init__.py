"""Server-side printing: the ``meta.k8s.io/v1`` Tables that ``kubectl get`` prints.

kubectl has no column printers of its own: unless the server answers an
``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` request with a Table, it prints
only ``NAME AGE`` (wire doc §3). kube-apiserver builds those Tables with the printers in
``pkg/printers/internalversion/printers.go``; this package reproduces their columns and cells
for the kinds served here, split as upstream's printing is: the Table machinery in
:mod:`.tables`, each API group's columns and cells in its own module (:mod:`.core`,
:mod:`.apps`, :mod:`.rbac`, :mod:`.coordination`), and what they share in :mod:`.columns`.
Ages are :func:`simulation.apimachinery.timestamps.translate_timestamp_since`.
"""
