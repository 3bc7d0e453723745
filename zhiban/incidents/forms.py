from __future__ import annotations

from django import forms
from django.utils import timezone

from zhiban.incidents.models import ELEMENTS, Event, Report
from zhiban.incidents.services import feedback_since_last_report, superiors
from zhiban.intake.forms import DatesInRange, DateTimeLocal, leaders_of
from zhiban.lib.classification import Classification
from zhiban.lib.forms import ManyChoice
from zhiban.lib.text import MANUAL_LIMIT, TEXT_LIMIT
from zhiban.org.models import Person, Unit
from zhiban.org.pickers import People, PeopleField


def _now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class EventForm(DatesInRange, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["title", "category", "grade", "sensitive", "classification", "known_at", "place", "summary"]
        widgets = {"known_at": DateTimeLocal(), "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "known_at": "报告时限从此刻起算",
            "sensitive": "敏感事件或可能扩大的，不论等级都须报告",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("known_at", _now())
        # most events carry no mark: one left unset (an integration, an older form) is 公开
        self.fields["classification"].required = False

    def clean_classification(self) -> str:
        return self.cleaned_data.get("classification") or Classification.PUBLIC


class ReportForm(DatesInRange, forms.ModelForm):
    class Meta:
        model = Report
        fields = [
            "kind",
            "channel",
            "at",
            "to_unit",
            "to_office",
            "phoned_whom",
            "unverified",
            *(name for name, _ in ELEMENTS),
        ]
        widgets = {
            "at": DateTimeLocal(),
            **{name: forms.Textarea(attrs={"rows": 2}) for name, _ in ELEMENTS[3:]},
        }
        help_texts = {
            "unverified": "紧急情况下边核实边报告：缺少的要素会列出，续报补充",
            "to_unit": "一般报上一级；紧急时乡镇可直接报市",
        }

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.event = event
        above = superiors(event.unit)
        self.fields["to_unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in above])
        if above:
            self.initial.setdefault("to_unit", above[0].pk)
            self.fields["to_unit"].required = True
            del self.fields["to_office"]
        else:  # the top of the system reports to an office outside it
            del self.fields["to_unit"]
            self.fields["to_office"].required = True
            self.fields[
                "to_office"
            ].help_text = "本单位在系统中没有上级：请填写报送的上级值班机构，如“省政府总值班室”"
            self.fields["to_office"].error_messages["required"] = "请填写报送的上级值班机构"
        self.initial.setdefault("at", _now())
        if not event.reports.exists():
            self.initial.setdefault("kind", Report.Kind.FIRST)
        # what the event already says is filled in; the officer completes the rest
        self.initial.setdefault("place", event.place)
        self.initial.setdefault(
            "happened_at_text", f"{timezone.localtime(event.known_at):%m月%d日%H时%M分}获知"
        )
        feedback = feedback_since_last_report(event)
        if feedback:
            self.initial["handling"] = feedback  # B5: the instructions' feedback goes into the next report
        for name, _ in ELEMENTS:
            self.initial.setdefault(name, "")


class ForwardForm(forms.Form):
    to_unit = forms.ModelChoiceField(
        label="转报单位",
        queryset=Unit.objects.none(),
        error_messages={"required": "请选择转报的上级单位", "invalid_choice": "只能转报本单位的上级"},
    )
    phoned_whom = forms.CharField(label="接报人", max_length=50, required=False)

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        above = report.to_unit.ancestor_ids() if report.to_unit_id else []
        self.fields["to_unit"].queryset = Unit.objects.filter(pk__in=above)
        if report.channel == Report.Channel.PHONE:  # a phone report goes on by phone: to whom (B19)
            self.fields["phoned_whom"].required = True
            self.fields["phoned_whom"].error_messages["required"] = "电话转报须记录上级接报人"
        else:
            del self.fields["phoned_whom"]


class VerificationForm(forms.Form):
    to_unit = forms.ModelChoiceField(label="核报单位", queryset=Unit.objects.none())
    question = forms.CharField(
        max_length=TEXT_LIMIT, label="核报事项", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk)


class ReplyForm(forms.Form):
    channel = forms.ChoiceField(label="反馈方式", choices=[("phone", "电话反馈"), ("written", "书面反馈")])
    reply = forms.CharField(
        max_length=TEXT_LIMIT, label="反馈内容", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    delay_reason = forms.CharField(
        max_length=TEXT_LIMIT,
        label="不能按时反馈的原因",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="不能在时限内核实清楚的，说明原因并继续核实",
    )


class EventInstructionForm(forms.Form):
    leader = forms.ModelChoiceField(label="批示领导", queryset=Person.objects.none())
    text = forms.CharField(max_length=TEXT_LIMIT, label="批示内容", widget=forms.Textarea(attrs={"rows": 2}))
    targets = PeopleField(label="落实人")

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders_of(event.unit)
        self.fields["targets"].offer(People.within(event.unit))


class NotifyUnitsForm(forms.Form):
    units = ManyChoice(label="相关部门和可能受影响地区", queryset=Unit.objects.none())
    text = forms.CharField(
        max_length=TEXT_LIMIT,
        label="通知内容（留空则自动生成）",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units


class NoteForm(forms.Form):
    text = forms.CharField(max_length=TEXT_LIMIT, label="处置记录", widget=forms.Textarea(attrs={"rows": 2}))


class ProcedureForm(forms.Form):
    """B23/B25: one section of the duty manual, as the unit writes it."""

    text = forms.CharField(
        label="内容",
        required=False,
        max_length=MANUAL_LIMIT,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="按处置步骤逐条填写。与上级单位的规程相同或留空保存，即沿用上级规程（上级修订后随之更新）。",
    )
