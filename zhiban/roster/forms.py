from __future__ import annotations

from django import forms

from zhiban.org.models import Person
from zhiban.roster.models import Assignment, Exemption, Holiday, Roster, SensitivePeriod, ShiftType


class RosterForm(forms.ModelForm):
    class Meta:
        model = Roster
        fields = ["title", "start", "end"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }


class ShiftTypeForm(forms.ModelForm):
    class Meta:
        model = ShiftType
        fields = [
            "day_kind",
            "name",
            "start",
            "hours",
            "leaders",
            "primaries",
            "deputies",
            "standbys",
            "order",
        ]
        widgets = {"start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class SensitivePeriodForm(forms.ModelForm):
    class Meta:
        model = SensitivePeriod
        fields = ["name", "start", "end", "staff_factor"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }


class ExemptionForm(forms.ModelForm):
    class Meta:
        model = Exemption
        fields = ["start", "end", "reason", "hospital", "hospital_record", "rest_note"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }


class AssignmentPersonForm(forms.Form):
    person = forms.ModelChoiceField(label="值班人员", queryset=Person.objects.none())
    pinned = forms.BooleanField(label="固定（自动排班时保留）", required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(pk__in=[p.pk for p in people])


class AssignmentForm(forms.ModelForm):
    """A hand-made assignment on an empty post."""

    class Meta:
        model = Assignment
        fields = ["post", "person"]
