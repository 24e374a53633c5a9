"""PATCH bodies, one module per format, as upstream keeps them apart: JSON Patch (RFC 6902,
:mod:`.jsonpatch`, evanphx/json-patch), JSON merge patch (RFC 7386, :mod:`.mergepatch`, the
same library's ``MergePatch``) and strategic merge patch (:mod:`.strategicpatch`,
k8s.io/apimachinery ``strategicpatch``). :mod:`.patcher` picks one by ``Content-Type``, as the
API server's PATCH handler does; :mod:`.common` holds what they share.

Promises, for every format:

* Every function is pure: inputs are deep-copied, never changed, and a new document is returned.
* Failures raise :class:`~.common.PatchError` (a ``ValueError``) whose text is upstream's
  (evanphx/json-patch, k8s.io/apimachinery ``strategicpatch``/``mergepatch``), and whose ``code``
  is the HTTP status kube-apiserver answers with (400 for a body it cannot read, 422 for a JSON
  Patch that does not apply). Where upstream lets a strategic merge error through unclassified
  (a missing merge key, an unknown ``$patch``, a directive of the wrong type) it answers 500 and
  logs "an error that is not a metav1.Status"; the patch is the client's mistake, so here it is
  400, with upstream's text. Note that for a 422 upstream replaces the message with "the server
  rejected our request due to an error in our request"; the detailed text is kept here so the
  server can choose what a learner sees.
* An unsupported ``Content-Type`` raises :class:`~.common.UnsupportedPatchType` (the server
  answers 415). Server-side apply (``application/apply-patch+yaml``) is not handled here.
"""
