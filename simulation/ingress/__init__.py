"""The Ingress add-on: a simulated ingress-nginx controller (:mod:`.controller`), its routing
table and matcher (:mod:`.routing`), and the objects that install it (:mod:`.addon`)."""
