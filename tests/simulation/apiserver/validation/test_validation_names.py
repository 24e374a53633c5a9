"""Name formats, metadata and the Invalid message: upstream's words, character for character."""
from __future__ import annotations

import pytest

from simulation.apimachinery import validation as names
from simulation.apiserver import errors
from simulation.apiserver.validation import field, objectmeta
from simulation.apiserver.validation.objectmeta import validate_object_meta

SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
             "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
         "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035 = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
           "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
           "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
NAME_PART = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
             "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
             "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
LABEL_VALUE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
               "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
               "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")

CHECKS = [
    ("subdomain-ok", names.is_dns1123_subdomain, "web.example-1", []),
    ("subdomain-upper", names.is_dns1123_subdomain, "Bad_Name", [SUBDOMAIN]),
    ("subdomain-too-long", names.is_dns1123_subdomain, "a" * 254, ["must be no more than 253 characters"]),
    ("label-ok", names.is_dns1123_label, "123-abc", []),
    ("label-dots", names.is_dns1123_label, "a.b", ["must not contain dots"]),
    ("label-bad", names.is_dns1123_label, "-a", [LABEL]),
    ("label-too-long", names.is_dns1123_label, "a" * 64, ["must be no more than 63 characters"]),
    ("dns1035-digit-start", names.is_dns1035_label, "1svc", [DNS1035]),
    ("qualified-ok", names.is_qualified_name, "app.kubernetes.io/name", []),
    ("qualified-bad-name", names.is_qualified_name, "-x", [NAME_PART]),
    ("qualified-empty-prefix", names.is_qualified_name, "/x", ["prefix part must be non-empty"]),
    ("qualified-bad-prefix", names.is_qualified_name, "Ex.com/x", ["prefix part " + SUBDOMAIN]),
    ("qualified-empty-name", names.is_qualified_name, "x.io/", ["name part must be non-empty", NAME_PART]),
    ("qualified-two-slashes", names.is_qualified_name, "a/b/c", [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
        "(e.g. 'example.com/MyName')"]),
    ("label-value-ok", names.is_valid_label_value, "", []),
    ("label-value-bad", names.is_valid_label_value, "a b", [LABEL_VALUE]),
    ("config-key-dotdot", names.is_config_map_key, "..x", ["must not start with '..'"]),
    ("port-name", names.is_valid_port_name, "--", [
        "must contain at least one letter (a-z)", "must not contain consecutive hyphens",
        "must not begin or end with a hyphen"]),
    ("path-segment", names.is_valid_path_segment_name, "a/b%", ["may not contain '/'", "may not contain '%'"]),
    ("path-segment-dot", names.is_valid_path_segment_name, "..", ["may not be '..'"]),
    ("generate-name-prefix-dash", lambda v: names.name_is_dns_subdomain(v, True), "web-", []),
    ("newline-not-accepted", names.is_dns1123_label, "abc\n", [LABEL]),
]


@pytest.mark.parametrize("check,value,expected", [c[1:] for c in CHECKS], ids=[c[0] for c in CHECKS])
def test_name_formats(check, value, expected):
    assert check(value) == expected


def causes(*pairs):
    return [{"reason": r, "field": f, "message": m} for r, f, m in pairs]


META = [
    ("ok", {"name": "web", "namespace": "default"}, True, []),
    ("name-required", {"namespace": "default"}, True,
     causes(("FieldValueRequired", "metadata.name", "Required value: name or generateName is required"))),
    ("namespace-required", {"name": "web"}, True, causes(("FieldValueRequired", "metadata.namespace", "Required value"))),
    ("namespace-forbidden", {"name": "n1", "namespace": "x"}, False,
     causes(("FieldValueForbidden", "metadata.namespace", "Forbidden: not allowed on this type"))),
    ("generate-name", {"generateName": "Web-", "name": "Web-x7k2p", "namespace": "default"}, True, causes(
        ("FieldValueInvalid", "metadata.generateName", 'Invalid value: "Web-": ' + SUBDOMAIN),
        ("FieldValueInvalid", "metadata.name", 'Invalid value: "Web-x7k2p": ' + SUBDOMAIN))),
    ("label-key", {"name": "w", "namespace": "d", "labels": {"-x": "y"}}, True,
     causes(("FieldValueInvalid", "metadata.labels", 'Invalid value: "-x": ' + NAME_PART))),
    ("label-value", {"name": "w", "namespace": "d", "labels": {"app": "a b"}}, True,
     causes(("FieldValueInvalid", "metadata.labels", 'Invalid value: "a b": ' + LABEL_VALUE))),
    ("label-value-too-long", {"name": "w", "namespace": "d", "labels": {"app": "a" * 64}}, True,
     causes(("FieldValueInvalid", "metadata.labels", f'Invalid value: "{"a" * 64}": must be no more than 63 '
             "characters"))),
    ("annotation-key-case-insensitive", {"name": "w", "namespace": "d", "annotations": {"Example.com/Key": "v"}},
     True, []),
    ("annotations-too-long", {"name": "w", "namespace": "d", "annotations": {"k": "x" * (256 * 1024)}}, True,
     causes(("FieldValueTooLong", "metadata.annotations", "Too long: may not be more than 262144 bytes"))),
    ("finalizer-unqualified", {"name": "w", "namespace": "d", "finalizers": ["foo"]}, True, causes(
        ("FieldValueInvalid", "metadata.finalizers[0]",
         'Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified'))),
    ("finalizer-standard", {"name": "w", "namespace": "d", "finalizers": ["kubernetes", "example.com/x"]}, True, []),
    ("negative-generation", {"name": "w", "namespace": "d", "generation": -1}, True,
     causes(("FieldValueInvalid", "metadata.generation", "Invalid value: -1: must be greater than or equal to 0"))),
]


@pytest.mark.parametrize("meta,namespaced,expected", [m[1:] for m in META], ids=[m[0] for m in META])
def test_object_meta(meta, namespaced, expected):
    assert validate_object_meta(meta, namespaced, names.name_is_dns_subdomain) == expected


def test_no_new_finalizers_while_deleting():
    old = {"name": "w", "deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["a.io/x"]}
    new = {"name": "w", "deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["a.io/x", "b.io/y"]}
    assert objectmeta.validate_object_meta_update(new, old) == causes((
        "FieldValueForbidden", "metadata.finalizers",
        'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers '
        '[]string{"b.io/y"}'))


SELECTORS = [
    ("ok", {"matchLabels": {"app": "a"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["x"]}]},
     []),
    ("in-needs-values", {"matchExpressions": [{"key": "tier", "operator": "In"}]}, causes((
        "FieldValueRequired", "s.matchExpressions[0].values",
        "Required value: must be specified when `operator` is 'In' or 'NotIn'"))),
    ("exists-no-values", {"matchExpressions": [{"key": "t", "operator": "Exists", "values": ["x"]}]}, causes((
        "FieldValueForbidden", "s.matchExpressions[0].values",
        "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))),
    ("bad-operator", {"matchExpressions": [{"key": "t", "operator": "Equals", "values": ["x"]}]}, causes((
        "FieldValueInvalid", "s.matchExpressions[0].operator", 'Invalid value: "Equals": not a valid selector operator'))),
]


@pytest.mark.parametrize("selector,expected", [s[1:] for s in SELECTORS], ids=[s[0] for s in SELECTORS])
def test_label_selector(selector, expected):
    assert objectmeta.validate_label_selector(selector, "s") == expected


def test_invalid_status_message_is_upstreams():
    """errors.invalid joins causes as upstream's NewInvalid does."""
    one = [field.required("spec.containers[0].image")]
    assert errors.invalid("Pod", "", "p", one).message == 'Pod "p" is invalid: spec.containers[0].image: Required value'
    two = one + [field.not_supported("spec.restartPolicy", "Sometimes", ("Always", "OnFailure", "Never"))]
    assert errors.invalid("Pod", "", "p", two).message == (
        'Pod "p" is invalid: [spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: '
        '"Sometimes": supported values: "Always", "OnFailure", "Never"]')


RENDER = [
    ("string", "a\"b", '"a\\"b"'), ("int", 3, "3"), ("bool", True, "true"), ("none", None, "null"),
    ("control", "a\x01", '"a\\x01"'), ("unicode-kept", "é", '"é"'),
    ("gorepr", field.GoRepr("map[string]string{}"), "map[string]string{}"),
]


@pytest.mark.parametrize("value,expected", [r[1:] for r in RENDER], ids=[r[0] for r in RENDER])
def test_bad_value_rendering(value, expected):
    assert field.render_value(value) == expected


def test_go_label_selector_rendering():
    assert field.go_label_selector({"matchLabels": {"b": "2", "a": "1"}}) == (
        'v1.LabelSelector{MatchLabels:map[string]string{"a":"1", "b":"2"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}")
    assert field.go_label_selector({"matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]}) == (
        "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{"
        'v1.LabelSelectorRequirement{Key:"k", Operator:"In", Values:[]string{"v"}}}}')
