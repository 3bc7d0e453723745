from __future__ import annotations

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone

from zhiban.incidents.models import (
    ELEMENTS,
    FIGURE_NAMES,
    Event,
    ExternalOffice,
    Report,
    ReportingRule,
    parse_times,
)
from zhiban.incidents.reporting import latest_figures, report_errors, signers
from zhiban.incidents.rules import RuleTable
from zhiban.incidents.services import feedback_since_last_report, superiors
from zhiban.intake.forms import DatesInRange, DateTimeLocal, PersonChoice, leaders_of
from zhiban.lib.attachments import (
    ATTACHMENT_CHECK,
    ATTACHMENTS_PER_RECORD,
    MultipleFileField,
    checked_uploads,
)
from zhiban.lib.forms import classification_field
from zhiban.lib.text import MANUAL_LIMIT, TEXT_LIMIT
from zhiban.org.models import Person, Unit
from zhiban.org.pickers import People, PeopleField, Units, UnitsField


def _now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class EventForm(DatesInRange, forms.ModelForm):
    classification = classification_field()

    class Meta:
        model = Event
        fields = [
            "title",
            "category",
            "subkind",
            "grade",
            "sensitive",
            "classification",
            "known_at",
            "place",
            "summary",
        ]
        widgets = {"known_at": DateTimeLocal(), "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "known_at": "报告时限从此刻起算",
            "sensitive": "敏感时间、地点、性质的事件，或可能演化为较大以上的，不论等级都须报告，按最严格的时限",
            "grade": "尚未定级的按本单位的一般时限；定级、升级后在事件页变更",
        }

    def __init__(self, *args, table: RuleTable, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("known_at", _now())
        kinds = table.subkinds()
        if kinds:
            self.fields["subkind"] = forms.ChoiceField(
                label="具体类型",
                required=False,
                choices=[("", "（无）")] + [(s, f"{Event.Category(c).label}·{s}") for c, s in kinds],
                help_text="法律法规对某类事件另有报告时限的，选择该类型，按其时限",
            )
        else:
            del self.fields["subkind"]


class ReportFormBase(DatesInRange, forms.ModelForm):
    """What every report says: which report, to whom, the elements (B19) and the figures as they stand.
    The fields come in groups, so a page shows the elements and the figures each under its heading."""

    happened = ("at", "figures_at")
    element_names = tuple(name for name, _ in ELEMENTS)

    class Meta:
        model = Report
        fields = [
            "kind",
            "to_unit",
            "to_external",
            "unverified",
            *(name for name, _ in ELEMENTS),
            *FIGURE_NAMES,
            "figures_at",
            "figures_note",
        ]
        widgets = {
            "at": DateTimeLocal(),
            "figures_at": DateTimeLocal(),
            "figures_note": forms.Textarea(attrs={"rows": 2}),
            **{name: forms.Textarea(attrs={"rows": 2}) for name, _ in ELEMENTS[3:]},
        }
        help_texts = {
            "unverified": "紧急情况下边核实边报告：缺少的要素会列出，续报补充",
            "to_unit": "一般报上一级；紧急时乡镇可直接报市",
            "figures_at": "以上数字截至的时间",
            "figures_note": "数字比上次报告少的，须说明原因（如核实后核减）",
        }

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.event = event
        above = superiors(event.unit)
        if above:
            self.fields["to_unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in above])
            self.fields["to_unit"].required = True
            self.fields["to_unit"].error_messages["required"] = "请选择报送的上级单位"
            self.initial.setdefault("to_unit", above[0].pk)
            del self.fields["to_external"]
        else:  # the top of the system reports to an office outside it, from its own list
            del self.fields["to_unit"]
            offices = ExternalOffice.objects.filter(unit=event.unit)
            self.fields["to_external"].queryset = offices
            self.fields["to_external"].required = True
            self.fields["to_external"].error_messages["required"] = "请选择报送的上级值班机构"
            self.fields["to_external"].help_text = (
                "本单位在系统中没有上级；名单在“系统外上级值班机构”中维护"
                if offices
                else "尚未登记系统外的上级值班机构（如省政府总值班室），请值班室管理员先在“系统外上级值班机构”中登记"
            )
            first = offices.first()
            if first:
                self.initial.setdefault("to_external", first.pk)
        if not event.reports.filter(state=Report.State.SENT).exists():
            self.initial.setdefault("kind", Report.Kind.FIRST)
        elif "kind" not in self.initial:
            self.initial["kind"] = Report.Kind.FOLLOW_UP
        for name in ("economic_loss", "affected_area"):
            self.fields[name].widget.attrs.setdefault("step", "0.01")
        for name in FIGURE_NAMES:
            self.fields[name].widget.attrs.setdefault("min", "0")
        self._prefill(event)

    def _prefill(self, event: Event) -> None:
        """What the event already says is filled in, with the figures of the last report; the officer
        completes the rest."""
        if self.instance.pk:
            return
        self.initial.setdefault("place", event.place)
        self.initial.setdefault(
            "happened_at_text", f"{timezone.localtime(event.known_at):%m月%d日%H时%M分}获知"
        )
        feedback = feedback_since_last_report(event)
        if feedback:
            self.initial["handling"] = feedback  # B5: the instructions' feedback goes into the next report
        for name, _ in ELEMENTS:
            self.initial.setdefault(name, "")
        last = latest_figures(event)
        if last is not None:
            for name in (*FIGURE_NAMES, "figures_at"):
                self.initial.setdefault(name, getattr(last, name))
        if "figures_at" in self.fields:
            self.initial["figures_at"] = _now()

    submit = True  # whether the report goes for sign-off (a draft kept is checked less)

    def clean(self):
        """The workflow's own checks (order, recipient, figures, elements, signer) run here too, so a
        person sees every problem at once, not one round after another."""
        data = super().clean()
        fields = {k: v for k, v in data.items() if k in {f.name for f in Report._meta.fields}}
        draft = Report(event=self.instance.event, channel=self.instance.channel, **fields)
        draft.pk = self.instance.pk
        for name, message in report_errors(self.instance.event, draft, self.submit).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
            elif name not in self.fields:
                self.add_error(None, message)
        return data

    def group(self, names) -> list:
        return [self[name] for name in names if name in self.fields]

    @property
    def head_fields(self) -> list:
        taken = {*self.element_names, *FIGURE_NAMES, "figures_at", "figures_note"}
        return [f for f in self.visible_fields() if f.name not in taken]

    @property
    def element_fields(self) -> list:
        return self.group(self.element_names)

    @property
    def figure_fields(self) -> list:
        return self.group((*FIGURE_NAMES, "figures_at", "figures_note"))


class PhoneReportForm(ReportFormBase):
    """B22: a phone report made (phone first, written after): when, to whom, who took it."""

    submit = False  # recorded as made: no elements or signer to check

    class Meta(ReportFormBase.Meta):
        fields = ["kind", "at", "to_unit", "to_external", "phoned_whom", *ReportFormBase.Meta.fields[4:]]
        labels = {"at": "电话报告时间"}

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, event=event, **kwargs)
        self.instance.channel = Report.Channel.PHONE
        self.fields["phoned_whom"].required = True
        self.fields["phoned_whom"].error_messages["required"] = "电话报告须记录接报人"
        self.fields["at"].required = True
        self.initial.setdefault("at", _now())
        self.fields["kind"].choices = [
            (k, label) for k, label in self.fields["kind"].choices if k != Report.Kind.FINAL
        ]


class WrittenReportForm(ReportFormBase):
    """A written report drafted for the leader's sign-off (签发); its elements are what the superior
    reads (B19)."""

    class Meta(ReportFormBase.Meta):
        fields = ["kind", "to_unit", "to_external", "signer", *ReportFormBase.Meta.fields[3:]]

    attachments = MultipleFileField(
        label="附件（照片、扫描件）",
        required=False,
        help_text=f"JPG、PNG 图片或 PDF，每个不超过 {ATTACHMENT_CHECK.max_bytes // 1048576} MB，"
        f"一次最多 {ATTACHMENTS_PER_RECORD} 个",
    )

    def __init__(self, *args, event: Event, channel: str = Report.Channel.WRITTEN, **kwargs):
        super().__init__(*args, event=event, **kwargs)
        self.instance.channel = channel
        people = signers(event.unit)
        self.fields["signer"] = PersonChoice(
            label="签发领导",
            queryset=Person.objects.filter(pk__in=[p.pk for p in people]).order_by("order", "id"),
            error_messages={
                "required": "请选择签发领导",
                "invalid_choice": "只有带班领导或本单位领导可以签发",
            },
            help_text="带班领导或本单位领导；送签后即通知本人，可在手机上签发",
        )
        if people:
            self.initial.setdefault("signer", people[0].pk)
        if channel == Report.Channel.PHONE:  # the unit signs phone reports off too: no final by phone
            self.fields["kind"].choices = [
                (k, label) for k, label in self.fields["kind"].choices if k != Report.Kind.FINAL
            ]
            del self.fields["unverified"]

    def clean_attachments(self):
        return checked_uploads(self.cleaned_data.get("attachments") or [])


class SendForm(DatesInRange, forms.Form):
    """A signed report gone out by fax, mail, the platform or phone: when, how, to whom."""

    happened = ("at",)
    at = forms.DateTimeField(label="报出时间", widget=DateTimeLocal())
    means = forms.ChoiceField(label="报出方式", choices=[], required=False)
    phoned_whom = forms.CharField(label="接报人", max_length=50, required=False)

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("at", _now())
        if report.channel == Report.Channel.PHONE:
            del self.fields["means"]
            self.fields["phoned_whom"].required = True
            self.fields["phoned_whom"].error_messages["required"] = "电话报告须记录接报人"
        else:
            del self.fields["phoned_whom"]
            self.fields["means"].choices = [
                (m.value, m.label) for m in Report.Means if m != Report.Means.PHONE
            ]
            self.fields["means"].required = True


class ReturnForm(forms.Form):
    note = forms.CharField(
        label="修改意见",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请写明修改意见"},
    )


class RegradeForm(DatesInRange, forms.Form):
    """B21: the grade changes, or the event turns out sensitive; an upgrade restarts the clocks."""

    happened = ("at",)
    grade = forms.ChoiceField(label="事件等级", choices=Event.Grade.choices, required=False)
    sensitive = forms.BooleanField(label="敏感事件或可能扩大", required=False)
    at = forms.DateTimeField(
        label="变更时间", widget=DateTimeLocal(), help_text="升级的，新的报告时限从此刻起算"
    )
    note = forms.CharField(
        label="说明", max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("grade", event.grade)
        self.initial.setdefault("sensitive", event.sensitive)
        self.initial.setdefault("at", _now())


class LinkForm(forms.Form):
    """同一事件: the first report of the same happening, among the office's events."""

    primary = forms.ModelChoiceField(
        label="与之为同一事件的",
        queryset=Event.objects.none(),
        error_messages={"required": "请选择同一事件", "invalid_choice": "请从列出的事件中选择"},
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary"].queryset = candidates
        self.fields["primary"].label_from_instance = lambda e: (
            f"{e.unit.label}：{e.title}（{timezone.localtime(e.known_at):%m月%d日%H:%M}获知）"
        )


class UnlinkForm(forms.Form):
    reason = forms.CharField(
        label="取消关联的原因", max_length=200, error_messages={"required": "请说明取消关联的原因"}
    )


class ForwardForm(forms.Form):
    """A2.1: up a level, by the report's own channel; the top of the system to an office outside it."""

    to_unit = forms.ModelChoiceField(
        label="转报单位",
        queryset=Unit.objects.none(),
        error_messages={"required": "请选择转报的上级单位", "invalid_choice": "只能转报本单位的上级"},
    )
    to_external = forms.ModelChoiceField(
        label="转报的上级值班机构",
        queryset=ExternalOffice.objects.none(),
        error_messages={
            "required": "请选择转报的上级值班机构",
            "invalid_choice": "请选择本单位登记的上级值班机构",
        },
    )
    means = forms.ChoiceField(label="报出方式", choices=[], error_messages={"required": "请选择报出方式"})
    phoned_whom = forms.CharField(label="接报人", max_length=50, required=False)

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        office = report.to_unit
        above = office.ancestor_ids() if office is not None else []
        if above:
            self.fields["to_unit"].queryset = Unit.objects.filter(pk__in=above)
            del self.fields["to_external"], self.fields["means"]
        else:
            del self.fields["to_unit"]
            self.fields["to_external"].queryset = ExternalOffice.objects.filter(unit=office)
            self.fields["means"].choices = [
                (m.value, m.label) for m in Report.Means if m != Report.Means.PHONE
            ]
        if report.channel == Report.Channel.PHONE:  # a phone report goes on by phone: to whom (B19)
            self.fields["phoned_whom"].required = True
            self.fields["phoned_whom"].error_messages["required"] = "电话转报须记录上级接报人"
            self.fields.pop("means", None)
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
    units = UnitsField(
        label="相关部门和可能受影响地区",
        help_text="可查找您所管辖的单位，以及事发单位的同级单位和下级单位",
    )
    text = forms.CharField(
        max_length=TEXT_LIMIT,
        label="通知内容（留空则自动生成）",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, units: Units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].offer(units)


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


class ReportingRuleForm(forms.ModelForm):
    """One row of the unit's reporting rules (B21/B29): a category (and a law's sub-kind) at a grade."""

    class Meta:
        model = ReportingRule
        fields = [
            "category",
            "subkind",
            "grade",
            "phone_minutes",
            "written_minutes",
            "required",
            "followup_times",
            "followup_hours",
            "basis",
        ]
        help_texts = {
            "subkind": "法律法规对某类事件另有规定的（如生产安全事故），填写类型名称；留空即整个类别",
            "grade": "尚未定级：事件登记时尚未定级的",
            "required": "不勾选：该类别该等级的事件不须向上级报告（敏感事件仍须报告）",
            "followup_times": "每天须在这些时间前续报，如“08:00 17:00”；与续报间隔二选一，都不填则不定时续报",
            "followup_hours": "每隔多少小时续报一次",
            "basis": "如《生产安全事故报告和调查处理条例》第九条",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("phone_minutes", "written_minutes"):
            field = self.fields[name]
            field.widget.attrs["min"] = "1"
            field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
            field.validators.append(MinValueValidator(1, "时限至少为1分钟"))

    def clean_subkind(self) -> str:
        return self.cleaned_data["subkind"].strip()

    def clean_followup_times(self) -> str:
        text = self.cleaned_data["followup_times"]
        try:
            times = parse_times(text)
        except ValueError as error:
            raise forms.ValidationError(f"“{error}”不是时间，请按“08:00 17:00”的格式填写") from None
        return " ".join(f"{t:%H:%M}" for t in times)


class ExternalOfficeForm(forms.ModelForm):
    class Meta:
        model = ExternalOffice
        fields = ["name", "phone", "fax", "mailbox", "platform", "order"]
        help_texts = {"name": "如“省政府总值班室”", "platform": "如“省突发事件信息报送系统”"}

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()
