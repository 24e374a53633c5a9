"""The teacher's new-session form and the students' join form."""
from __future__ import annotations

from django import forms

from clusterviz.clusters.models import Cluster

from .models import ClassSession
from .sessions import DEFAULT_HOURS, MAX_STUDENTS


class SessionForm(forms.Form):
    name = forms.SlugField(max_length=40, help_text="lower-case letters, digits and '-' (e.g. period-3)")
    cluster = forms.ModelChoiceField(queryset=Cluster.objects.all(), to_field_name="name", empty_label=None)
    mode = forms.ChoiceField(choices=ClassSession.MODES, initial=ClassSession.SHARED, widget=forms.RadioSelect)
    max_students = forms.IntegerField(min_value=1, max_value=MAX_STUDENTS, initial=30, label="at most")
    hours = forms.FloatField(min_value=0.25, max_value=24 * 7, initial=DEFAULT_HOURS, label="code valid for (hours)")


class JoinForm(forms.Form):
    code = forms.CharField(max_length=12, widget=forms.TextInput(attrs={
        "inputmode": "numeric", "autocomplete": "off", "placeholder": "123456", "autofocus": True}))
    name = forms.CharField(max_length=40, label="your name", widget=forms.TextInput(attrs={
        "autocomplete": "nickname", "placeholder": "Ada"}))
