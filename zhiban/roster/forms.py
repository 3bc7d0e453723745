from __future__ import annotations

from django import forms

from zhiban.org.models import Person, Role
from zhiban.org.pickers import People, PersonField
from zhiban.roster.models import (
    Assignment,
    DutyRequest,
    Exemption,
    Holiday,
    Roster,
    SensitivePeriod,
    ShiftType,
)


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

    def clean_date(self):
        # the unit is set by the view, not a form field, so the unique (date, unit) pair is checked here
        day = self.cleaned_data["date"]
        same = Holiday.objects.filter(date=day, unit_id=self.instance.unit_id).exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError("这一天已有安排")
        return day


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


class SwapForm(forms.Form):
    """The applicant picks one of their own future shifts, the partner who agreed, and (for a swap, not a
    stand-in) the partner's shift they take in return."""

    shift = forms.ModelChoiceField(label="我的班次", queryset=Assignment.objects.none())
    partner = PersonField(
        label="换班人（已与其商定）",
        error_messages={"invalid_choice": "请从查找结果中选择本单位的值班人员（不能与自己换班）"},
    )
    partner_shift = forms.ModelChoiceField(
        label="对方的班次（替班不填）", queryset=Assignment.objects.none(), required=False
    )
    reason = forms.CharField(label="换班理由", max_length=200)

    def __init__(self, *args, person, **kwargs):
        from django.utils import timezone

        super().__init__(*args, **kwargs)
        mine = Assignment.objects.filter(person=person, roster__state="published", start__gt=timezone.now())
        self.fields["shift"].queryset = mine.select_related("roster")
        units = mine.values("roster__unit")
        # those who keep duty on the same rosters (A3.2: a partner who could take the shift), not oneself,
        # not an inspector or an approver of the unit
        self.fields["partner"].offer(
            People(
                tuple(sorted({u["roster__unit"] for u in units})),
                roles=(Role.DUTY_STAFF, Role.LEADER),
                exclude=person.pk,
            )
        )
        self.fields["partner_shift"].queryset = Assignment.objects.filter(
            roster__unit__in=units, roster__state="published", start__gt=timezone.now()
        ).exclude(person=person)
        self.fields["shift"].label_from_instance = lambda a: a.label
        self.fields["partner_shift"].label_from_instance = lambda a: f"{a.person.name} {a.label}"


class DutyRequestForm(forms.ModelForm):
    class Meta:
        model = DutyRequest
        fields = ["day", "note"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"})}

    def clean_day(self):
        # the view sets the person before validation; person is no form field, so check the pair here
        day = self.cleaned_data["day"]
        person_id = self.instance.person_id
        if person_id and DutyRequest.objects.filter(person_id=person_id, day=day).exists():
            raise forms.ValidationError("这一天已经登记过")
        return day
