from __future__ import annotations

from django import forms
from django.utils import timezone

from zhiban.intake.forms import DatesInRange, DateTimeLocal
from zhiban.lib.attachments import MultipleFileField, checked_uploads
from zhiban.lib.text import TEXT_LIMIT
from zhiban.org.models import DutyLine, Person, Unit
from zhiban.org.pickers import Units, UnitsField
from zhiban.supervision.models import Circular, CircularProblem, LedgerEntry, RollCallSchedule, SpotCheck
from zhiban.supervision.services import MANUAL_KINDS


def _now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class UnitLabels(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class SpotCheckForm(DatesInRange, forms.ModelForm):
    """A2.5: a phone check as the caller saw it: which line, rings before the answer, who answered."""

    happened = ("at",)
    to_unit = UnitLabels(label="被抽查单位", queryset=Unit.objects.none())

    class Meta:
        model = SpotCheck
        fields = ["to_unit", "at", "number", "answered", "rings", "answered_by", "on_post", "note"]
        widgets = {"at": DateTimeLocal(), "note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "number": "所拨的值班电话号码",
            "rings": "接听前响了几声；超过规定声数即视为脱岗",
            "on_post": "不勾选：接听的不是当班值班人员（如保安、家属代接）",
        }

    def __init__(self, *args, office: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = Unit.objects.filter(
            path__startswith=office.path, active=True
        ).exclude(pk=office.pk)
        self.fields["rings"].widget.attrs.update(min="0", max="30")
        self.initial.setdefault("at", _now())
        lines = DutyLine.objects.filter(unit__path__startswith=office.path, active=True).select_related(
            "unit"
        )
        self.fields["number"].widget.attrs["list"] = "duty-lines"
        self.lines = lines.exclude(unit=office).order_by("unit__path")[:500]


class RollCallForm(forms.Form):
    units = UnitsField(
        label="点名单位",
        required=False,
        help_text="输入单位名称查找并点选；不选即点名全部下级单位",
    )

    def __init__(self, *args, office: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].offer(Units.below(office))


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = RollCallSchedule
        fields = ["window_start", "window_end", "active"]
        widgets = {
            "window_start": forms.TimeInput(attrs={"type": "time"}),
            "window_end": forms.TimeInput(attrs={"type": "time"}),
        }
        help_texts = {"window_start": "每天在此时段内随机选一时刻点名全部下级单位"}


class InspectionStartForm(forms.Form):
    unit = UnitLabels(label="被检查单位", queryset=Unit.objects.none())

    def __init__(self, *args, office: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(path__startswith=office.path, active=True).exclude(
            pk=office.pk
        )


class ItemForm(forms.Form):
    ok = forms.TypedChoiceField(
        label="结论", choices=[("1", "符合要求"), ("0", "不符合要求")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(
        label="检查发现", max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = MultipleFileField(label="证据（照片、扫描件）", required=False)

    def clean_files(self):
        return checked_uploads(self.cleaned_data.get("files") or [])

    def clean(self):
        data = super().clean()
        if data.get("ok") is False and not (data.get("note") or "").strip():
            self.add_error("note", "不符合要求的，请写明检查发现")
        return data


class FinishForm(forms.Form):
    summary = forms.CharField(
        label="检查结论", max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )


class CircularDraftForm(forms.Form):
    period_start = forms.DateField(label="检查时段：起", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="止", widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label="整改期限", widget=forms.DateInput(attrs={"type": "date"}))


class CircularForm(forms.ModelForm):
    class Meta:
        model = Circular
        fields = ["number", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
        help_texts = {"number": "如“市值通〔2026〕3号”"}


class ProblemForm(forms.ModelForm):
    class Meta:
        model = CircularProblem
        fields = ["text", "due_date"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due <= timezone.localdate():
            raise forms.ValidationError("整改期限须在今天之后")
        return due


class RectificationReportForm(forms.Form):
    report = forms.CharField(
        label="整改情况",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请写明整改情况"},
    )
    files = MultipleFileField(label="整改证明材料", required=False)

    def clean_files(self):
        return checked_uploads(self.cleaned_data.get("files") or [])


class DecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        label="验收", choices=[("1", "验收通过"), ("0", "退回继续整改")], coerce=lambda v: v == "1"
    )
    decision = forms.CharField(
        label="意见", max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(label="责任人", queryset=Person.objects.none())

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Person.objects.filter(unit=unit, active=True).order_by("order", "id")


class LedgerEntryForm(DatesInRange, forms.ModelForm):
    """An entry no record shows (false or concealed report, shirking), with its evidence."""

    happened = ("at",)
    unit = UnitLabels(label="单位", queryset=Unit.objects.none())
    files = MultipleFileField(label="证据材料", required=False)

    class Meta:
        model = LedgerEntry
        fields = ["unit", "person", "kind", "at", "text", "serious"]
        widgets = {"at": DateTimeLocal()}
        labels = {"text": "情况"}

    def __init__(self, *args, office: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        below = Unit.objects.filter(path__startswith=office.path, active=True).exclude(pk=office.pk)
        self.fields["unit"].queryset = below
        self.fields["person"].queryset = Person.objects.filter(unit__in=below, active=True)
        self.fields["person"].required = False
        self.fields["kind"].choices = [(k.value, k.label) for k in MANUAL_KINDS]
        self.initial.setdefault("at", _now())

    def clean_files(self):
        return checked_uploads(self.cleaned_data.get("files") or [])

    def clean(self):
        data = super().clean()
        person, unit = data.get("person"), data.get("unit")
        if person and unit and person.unit_id != unit.pk:
            self.add_error("person", "责任人须是该单位的人员")
        return data


class AppealForm(forms.Form):
    reason = forms.CharField(
        label="申诉理由",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请写明申诉理由"},
    )


class AppealDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label="决定",
        choices=[("1", "申诉成立，撤销记录"), ("0", "申诉不成立，维持记录")],
        coerce=lambda v: v == "1",
    )
    decision = forms.CharField(
        label="决定理由",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请写明决定理由"},
    )


class OutcomeForm(forms.Form):
    serious = forms.BooleanField(label="造成不良影响或严重后果", required=False)
    outcome = forms.ChoiceField(label="处理", choices=LedgerEntry.Outcome.choices, required=False)


class CommendationForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    unit = UnitLabels(label="单位", queryset=Unit.objects.none(), required=False)
    person = forms.ModelChoiceField(label="个人", queryset=Person.objects.none(), required=False)
    reason = forms.CharField(
        label="表扬事由", max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, office: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(path__startswith=office.path, active=True)
        self.fields["unit"].queryset = units
        self.fields["person"].queryset = Person.objects.filter(unit__in=units, active=True).select_related(
            "unit"
        )
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.unit.label}）"
        self.initial.setdefault("year", timezone.localdate().year)
