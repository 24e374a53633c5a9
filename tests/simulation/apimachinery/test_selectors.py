"""Label and field selectors against upstream's grammar, messages and per-kind field sets."""
from __future__ import annotations

import pytest

from simulation.apimachinery.selectors import (SUPPORTED_FIELDS, check_field_selector, field_value,
                                               from_label_selector_object, parse_field_selector, parse_label_selector,
                                               selector_to_string, unsupported_field_error)

WEB = {"app": "web", "tier": "frontend", "replicas": "3"}

LABEL_MATCHES = [
    # (selector, labels, matches)
    ("", WEB, True),
    ("   ", {}, True),
    ("app=web", WEB, True),
    ("app==web", WEB, True),
    ("app=db", WEB, False),
    ("app!=db", WEB, True),
    ("app!=web", WEB, False),
    ("missing!=x", WEB, True),  # != matches when the key is absent
    ("app in (web,db)", WEB, True),
    ("app in (db)", WEB, False),
    ("app notin (db)", WEB, True),
    ("missing notin (db)", WEB, True),
    ("app notin (web)", WEB, False),
    ("app", WEB, True),
    ("missing", WEB, False),
    ("!missing", WEB, True),
    ("!app", WEB, False),
    ("app=web,tier=frontend", WEB, True),
    ("app=web,tier=backend", WEB, False),
    ("app=web, tier in (frontend)", WEB, True),
    ("replicas>2", WEB, True),
    ("replicas<3", WEB, False),
    ("app=", {"app": ""}, True),
    ("app=", WEB, False),
    ("x in (a,,b)", {"x": ""}, True),
    ("x in ()", {"x": ""}, True),
    ("in in (in)", {"in": "in"}, True),  # keywords are plain words in key and value position
    ("example.com/role=db", {"example.com/role": "db"}, True),
    ("app=web", None, False),
]


@pytest.mark.parametrize("text,labels,expected", LABEL_MATCHES, ids=[repr(c[0]) + "-" + str(i)
                                                                      for i, c in enumerate(LABEL_MATCHES)])
def test_label_selector_matches(text, labels, expected):
    assert parse_label_selector(text).matches(labels) is expected


CANONICAL = [
    ("tier=frontend,app=web", "app=web,tier=frontend"),
    ("b in (z,a),!c,a", "a,b in (a,z),!c"),
    ("a==b", "a==b"),
    ("a notin (y,x)", "a notin (x,y)"),
    ("", ""),
]


@pytest.mark.parametrize("text,expected", CANONICAL, ids=[c[0] or "empty" for c in CANONICAL])
def test_label_selector_string_is_sorted_by_key(text, expected):
    assert str(parse_label_selector(text)) == expected


_NAME_RULE = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
              "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
              "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_VALUE_RULE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
               "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
               "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")

LABEL_ERRORS = [
    ("colon-key", "app:monolith",
     'unable to parse requirement: <nil>: Invalid value: "app:monolith": ' + _NAME_RULE),
    ("bad-prefix", "app.kubernetes_io/name=x",
     'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase '
     "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and "
     "end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    ("bad-value", "app=a@b", 'unable to parse requirement: values[0][app]: Invalid value: "a@b": ' + _VALUE_RULE),
    ("trailing-comma", "a,", "found '', expected: identifier after ','"),
    ("leading-comma", ",a", "found ',', expected: !, identifier, or 'end of string'"),
    ("space-separated", "a=b c", "found 'c', expected: ',' or 'end of string'"),
    ("in-without-paren", "a in x", "unable to parse requirement: found 'x' expected: '('"),
    ("unclosed", "a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("bad-operator", "a (x)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
    ("double-value", "a=b=c", "found '=', expected: ',' or 'end of string'"),
    ("gt-not-integer", "a>b", 'unable to parse requirement: values[0]: Invalid value: "b": '
                              "for 'Gt', 'Lt' operators, the value must be an integer"),
]


@pytest.mark.parametrize("text,message", [c[1:] for c in LABEL_ERRORS], ids=[c[0] for c in LABEL_ERRORS])
def test_label_selector_errors_use_upstream_words(text, message):
    with pytest.raises(ValueError) as err:
        parse_label_selector(text)
    assert str(err.value) == message


SELECTOR_OBJECTS = [
    ("match-labels", {"matchLabels": {"app": "web"}}, "app=web", {"app": "web", "x": "y"}, True),
    ("expressions", {"matchLabels": {"app": "web"},
                     "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]},
                                          {"key": "canary", "operator": "DoesNotExist"}]},
     "app=web,!canary,tier in (a,b)", {"app": "web", "tier": "a"}, True),
    ("notin-exists", {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]},
                                           {"key": "team", "operator": "Exists"}]},
     "env notin (prod),team", {"team": "x", "env": "prod"}, False),
    ("empty-selects-all", {}, "", {"anything": "goes"}, True),
    ("nil-selects-none", None, "", {"app": "web"}, False),
]


@pytest.mark.parametrize("sel,text,labels,matches", [c[1:] for c in SELECTOR_OBJECTS],
                         ids=[c[0] for c in SELECTOR_OBJECTS])
def test_label_selector_objects(sel, text, labels, matches):
    assert selector_to_string(sel) == text
    assert from_label_selector_object(sel).matches(labels) is matches


def test_label_selector_object_rejects_unknown_operator():
    with pytest.raises(ValueError, match='"Gt" is not a valid label selector operator'):
        from_label_selector_object({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]})


# --- field selectors -----------------------------------------------------------------------------

POD = {"kind": "Pod", "metadata": {"name": "nginx-1", "namespace": "default", "uid": "u-1"},
       "spec": {"nodeName": "node-1", "hostNetwork": True, "restartPolicy": "Always"},
       "status": {"phase": "Running", "podIP": "10.0.0.5"}}
PENDING = {"kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": {}, "status": {}}
EVENT = {"kind": "Event", "metadata": {"name": "e1", "namespace": "default"}, "type": "Normal",
         "reason": "Started", "source": {"component": "kubelet"},
         "involvedObject": {"kind": "Pod", "name": "nginx-1", "namespace": "default", "uid": "u-1"}}
NODE = {"kind": "Node", "metadata": {"name": "node-1"}, "spec": {}}
RS = {"kind": "ReplicaSet", "metadata": {"name": "web-1"}, "status": {"replicas": 2}}

FIELD_MATCHES = [
    ("name", "metadata.name=nginx-1", POD, True),
    ("double-equals", "metadata.name==nginx-1", POD, True),
    ("not-equals", "metadata.name!=nginx-1", POD, False),
    ("describe-pod-events", "involvedObject.name=nginx-1,involvedObject.namespace=default,involvedObject.uid=u-1",
     EVENT, True),
    ("describe-pod-events-shuffled",
     "involvedObject.uid=u-1,involvedObject.name=nginx-1,involvedObject.namespace=default", EVENT, True),
    ("describe-pod-events-other-uid", "involvedObject.name=nginx-1,involvedObject.uid=u-2", EVENT, False),
    ("describe-node-pods", "spec.nodeName=node-1,status.phase!=Succeeded,status.phase!=Failed", POD, True),
    ("unscheduled", "spec.nodeName=", PENDING, True),
    ("scheduled-is-not-unscheduled", "spec.nodeName=", POD, False),
    ("bool-true", "spec.hostNetwork=true", POD, True),
    ("bool-missing-is-false", "spec.hostNetwork=false", PENDING, True),
    ("node-schedulable", "spec.unschedulable=false", NODE, True),
    ("node-cordoned", "spec.unschedulable=true", {**NODE, "spec": {"unschedulable": True}}, True),
    ("int", "status.replicas=2", RS, True),
    ("event-source", "source=kubelet", EVENT, True),
    ("event-type-reason", "type=Normal,reason=Started", EVENT, True),
    ("legacy-spec-host", "spec.host=node-1", POD, True),
    ("escaped-comma", r"metadata.name=a\,b", {"metadata": {"name": "a,b"}}, True),
    ("empty", "", POD, True),
]


@pytest.mark.parametrize("text,obj,expected", [c[1:] for c in FIELD_MATCHES], ids=[c[0] for c in FIELD_MATCHES])
def test_field_selector_matches(text, obj, expected):
    assert parse_field_selector(text).matches(obj) is expected


def test_field_selector_exposes_requirements_in_sorted_order():
    sel = parse_field_selector("involvedObject.uid=u,involvedObject.name==n,type!=Warning")
    assert [(r.field, r.operator, r.value) for r in sel.requirements] == [
        ("involvedObject.name", "=", "n"), ("involvedObject.uid", "=", "u"), ("type", "!=", "Warning")]
    assert sel.requires_exact_match("involvedObject.name") == "n"
    assert sel.requires_exact_match("type") is None


FIELD_ERRORS = [
    ("no-operator", "metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
    ("unescaped-equals", "a=b=c", "invalid field selector: unescaped character in value: 61"),
    ("bad-escape", r"a=b\x", r"invalid field selector: invalid escape sequence: \x"),
    ("trailing-backslash", "a=b\\", "invalid field selector: invalid escape sequence: \\"),
]


@pytest.mark.parametrize("text,message", [c[1:] for c in FIELD_ERRORS], ids=[c[0] for c in FIELD_ERRORS])
def test_field_selector_errors(text, message):
    with pytest.raises(ValueError) as err:
        parse_field_selector(text)
    assert str(err.value) == message


SUPPORT = [
    ("Pod", "spec.nodeName", True),
    ("Pod", "status.podIP", True),
    ("Pod", "status.hostIP", False),
    ("Event", "involvedObject.uid", True),
    ("Event", "metadata.namespace", True),
    ("Node", "spec.unschedulable", True),
    ("Node", "metadata.namespace", False),
    ("Secret", "type", True),
    ("Namespace", "status.phase", True),
    ("ReplicaSet", "status.replicas", True),
    ("Deployment", "metadata.name", True),
    ("Deployment", "spec.replicas", False),
]


@pytest.mark.parametrize("kind,field,supported", SUPPORT, ids=[f"{k}-{f}" for k, f, _ in SUPPORT])
def test_supported_fields_per_kind(kind, field, supported):
    assert (field in SUPPORTED_FIELDS[kind]) is supported


ERROR_TEXT = [
    ("Pod", "status.hostIP", "field label not supported: status.hostIP"),
    ("Node", "metadata.namespace", "field label not supported: metadata.namespace"),
    ("Deployment", "spec.replicas",
     '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'),
]


@pytest.mark.parametrize("kind,field,message", ERROR_TEXT, ids=[f"{k}-{f}" for k, f, _ in ERROR_TEXT])
def test_unsupported_field_error_text(kind, field, message):
    assert unsupported_field_error(kind, field) == message
    with pytest.raises(ValueError, match=message):
        check_field_selector(kind, parse_field_selector(f"metadata.name=x,{field}=y"))


def test_check_field_selector_accepts_supported_fields():
    check_field_selector("Pod", parse_field_selector("spec.nodeName=n,status.phase!=Failed"))


def test_field_value_renders_like_upstream():
    assert field_value(POD, "metadata.uid") == "u-1"
    assert field_value(POD, "spec.missing.deeper") == ""
    assert field_value(RS, "status.replicas") == "2"
    assert field_value({"status": {}}, "status.replicas") == "0"
