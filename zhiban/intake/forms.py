from __future__ import annotations

from django import forms
from django.utils import timezone

from zhiban.intake.models import Call, Collection, Document, Instruction, Matter, PhoneNotice, Visit
from zhiban.lib.dates import CLOCK_SKEW, local_minute
from zhiban.lib.forms import SharedFields, classification_field
from zhiban.lib.text import TEXT_LIMIT
from zhiban.org.caching import GenerationCache, request_generation
from zhiban.org.models import Person, Role, Unit
from zhiban.org.pickers import People, PeopleField, PersonField, Units, UnitsField
from zhiban.org.roles import holders

FIRST_YEAR, LAST_YEAR = 2000, 2100  # a duty record's time lies in these years; others are typing slips


def in_range(value) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(f"时间应在{FIRST_YEAR}年至{LAST_YEAR}年之间")


def not_later_than_now(value) -> None:
    if value is not None and value > timezone.now() + CLOCK_SKEW:
        raise forms.ValidationError("不能晚于现在")


class DatesInRange:
    """Every date-and-time field of the form refuses a year outside FIRST_YEAR..LAST_YEAR; those named
    in `happened` record a moment that has happened (a call, a read-back, an arrival) and refuse one
    later than now. Deadlines (due dates) may lie ahead."""

    happened: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not isinstance(self, SharedFields):  # those are checked once, as their fields are made
            check_dates(self.fields, self.happened)


def check_dates(fields: dict, happened: tuple[str, ...]) -> None:
    for name, field in fields.items():
        if isinstance(field, forms.DateTimeField):
            field.validators.append(in_range)
            if name in happened:
                field.validators.append(not_later_than_now)


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def now_for_input() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


_leader_querysets = GenerationCache(size=5000)  # unit id -> its leaders' query, never evaluated itself


def leaders_of(unit: Unit):
    """Leaders who may be asked or reported to: leader roles in the unit or a unit above it. The query
    is built once per unit and data generation (building it costs more than running it); each form
    gets its own copy."""

    def build():
        return holders([Role.LEADER], [*unit.ancestor_ids(), unit.pk]).order_by("name")

    return _leader_querysets.get_or_build(unit.pk, build).all()


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.position}）" if obj.position else obj.name


class CallForm(SharedFields, DatesInRange, forms.ModelForm):
    happened = ("at",)
    classification = classification_field()
    open_matter = forms.BooleanField(label="需要跟踪办理（转为事项，由接听人首接负责）", required=False)

    class Meta:
        model = Call
        fields = [
            "direction",
            "at",
            "number",
            "name",
            "organisation",
            "position",
            "content",
            "content_when",
            "content_where",
            "content_who",
            "content_what",
            "content_why",
            "important",
            "classification",
            "handling",
            "answer",
            "leader",
            "leader_answer",
            "asked_for",
            "asked_intent",
            "material_requested",
        ]
        widgets = {
            "at": DateTimeLocal(),
            "number": forms.TextInput(attrs={"autofocus": True, "inputmode": "tel", "autocomplete": "off"}),
            "content": forms.Textarea(attrs={"rows": 4}),
            "answer": forms.Textarea(attrs={"rows": 2}),
            "leader_answer": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"leader": PersonChoice, "asked_for": PersonChoice}

    def __init__(self, *args, unit: Unit, **kwargs):
        generation = request_generation()
        self.share_fields(
            None if generation is None else (unit.pk, generation), lambda f: self._prepare(f, unit)
        )
        super().__init__(*args, **kwargs)
        self.instance.unit = unit
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("at", now_for_input())

    def _prepare(self, fields: dict, unit: Unit) -> None:
        """What the unit decides, made once per unit and data generation (SharedFields)."""
        check_dates(fields, self.happened)
        leaders = leaders_of(unit)
        fields["leader"].queryset = leaders
        fields["asked_for"].queryset = leaders
        fields["asked_for"].help_text = "来电询问领导电话时选择：系统记录意图并告知该领导，不提供号码"


class CallCompleteForm(CallForm):
    """A call the exchange created: the officer writes it up; the ring times stay as recorded."""

    class Meta(CallForm.Meta):
        fields = [f for f in CallForm.Meta.fields if f not in ("direction", "at")]


class NoticeForm(DatesInRange, forms.ModelForm):
    happened = ("at",)

    class Meta:
        model = PhoneNotice
        fields = ["title", "text", "at"]
        widgets = {"at": DateTimeLocal(), "text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.unit = unit
        self.initial.setdefault("at", now_for_input())


class RecipientForm(DatesInRange, forms.ModelForm):
    """One recipient of a phone notice, with the read-back."""

    happened = ("at", "read_back_at")

    class Meta:
        model = Call
        fields = ["organisation", "name", "position", "number", "at", "read_back_by", "read_back_at", "faxed"]
        widgets = {"at": DateTimeLocal(), "read_back_at": DateTimeLocal()}

    def __init__(self, *args, notice: PhoneNotice, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.unit = notice.unit
        self.instance.notice = notice
        self.instance.direction = Call.Direction.OUTGOING
        self.instance.content = notice.text
        self.fields["at"].label = "通知时间"
        self.initial.setdefault("at", now_for_input())

    def clean(self):
        data = super().clean()
        if data.get("read_back_by") and not data.get("read_back_at"):
            self.add_error("read_back_at", "请填写复述核对时间")
        if data.get("read_back_at") and not data.get("read_back_by"):
            self.add_error("read_back_by", "请填写复述人")
        notified, read_back = data.get("at"), data.get("read_back_at")
        if notified and notified < self.instance.notice.at:
            self.add_error("at", "通知时间不能早于这条电话通知的时间")
        if notified and read_back and read_back < notified:
            self.add_error("read_back_at", "复述核对时间不能早于通知时间")
        return data


class ReadBackForm(DatesInRange, forms.ModelForm):
    """A recipient's read-back recorded afterwards (the call back came later)."""

    happened = ("read_back_at",)

    class Meta:
        model = Call
        fields = ["read_back_by", "read_back_at"]
        widgets = {"read_back_at": DateTimeLocal()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["read_back_by"].required = True
        self.fields["read_back_at"].required = True
        self.initial.setdefault("read_back_at", now_for_input())

    def clean_read_back_at(self):
        moment = self.cleaned_data["read_back_at"]
        if moment and self.instance.at and moment < self.instance.at:
            raise forms.ValidationError("复述核对时间不能早于通知时间")
        return moment


class VisitForm(DatesInRange, forms.ModelForm):
    happened = ("arrived_at", "left_at")
    classification = classification_field()

    class Meta:
        model = Visit
        fields = [
            "name",
            "identity",
            "organisation",
            "people",
            "purpose",
            "arrived_at",
            "reported_to",
            "arrangement",
            "left_at",
            "classification",
        ]
        widgets = {
            "arrived_at": DateTimeLocal(),
            "left_at": DateTimeLocal(),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "arrangement": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"reported_to": PersonChoice}

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.unit = unit
        self.fields["reported_to"].queryset = leaders_of(unit)
        self.initial.setdefault("arrived_at", now_for_input())


class DocumentForm(DatesInRange, forms.ModelForm):
    happened = ("received_at",)
    classification = classification_field()

    class Meta:
        model = Document
        fields = ["kind", "sender", "number", "title", "classification", "urgency", "pages", "received_at"]
        widgets = {"received_at": DateTimeLocal()}

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.unit = unit
        self.initial.setdefault("received_at", now_for_input())


class DocumentHandlingForm(forms.ModelForm):
    reported_back = forms.BooleanField(label="已办结并反馈", required=False)

    class Meta:
        model = Document
        fields = ["handling"]
        widgets = {"handling": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("reported_back") and not (data.get("handling") or "").strip():
            self.add_error("handling", "办结反馈须写明办理情况")
        return data


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ["department"]


class CollectedForm(forms.Form):
    collected_by = forms.CharField(label="领取人", max_length=50)


class MatterForm(DatesInRange, forms.ModelForm):
    classification = classification_field()

    class Meta:
        model = Matter
        fields = ["title", "detail", "source", "ticket_number", "due_at", "classification"]
        widgets = {"due_at": DateTimeLocal(), "detail": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.unit = unit
        self.fields["source"].choices = [
            c for c in Matter.Source.choices if c[0] in (Matter.Source.HOTLINE, Matter.Source.OTHER)
        ]
        self.fields["ticket_number"].help_text = "县长热线工单须填写"

    def clean(self):
        data = super().clean()
        if data.get("source") == Matter.Source.HOTLINE and not data.get("due_at"):
            self.add_error("due_at", "县长热线工单须填写办理时限")
        return data


class TransferForm(forms.Form):
    to = PersonField(label="移交给")
    reason = forms.CharField(label="移交原因", max_length=200)

    def __init__(self, *args, unit: Unit, owner_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].offer(People.within(unit, exclude=owner_id))  # not the one it is moved from


class CloseForm(forms.Form):
    result = forms.CharField(
        max_length=TEXT_LIMIT, label="办理结果", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reply = forms.CharField(
        max_length=TEXT_LIMIT, label="热线答复", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ProgressForm(forms.Form):
    text = forms.CharField(
        max_length=TEXT_LIMIT, label="办理进展", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class MatterChoice(forms.ModelChoiceField):
    """Open matters often share a title (several 交通事故): each is named with when it was taken in and
    its owner; a classified one by its mark (the choices are not filtered by the reader's clearance)."""

    def label_from_instance(self, obj: Matter) -> str:
        owner = obj.owner.name if obj.owner else "—"
        return f"{obj.kept(obj.title)}（{local_minute(obj.opened_at)}受理，{owner}）"


class InstructionForm(DatesInRange, forms.ModelForm):
    happened = ("given_at",)

    targets = PeopleField(label="落实人")
    classification = classification_field()

    class Meta:
        model = Instruction
        fields = ["leader", "given_at", "text", "matter", "feedback_due_at", "classification"]
        widgets = {
            "given_at": DateTimeLocal(),
            "feedback_due_at": DateTimeLocal(),
            "text": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"leader": PersonChoice, "matter": MatterChoice}

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.unit = unit
        self.fields["leader"].queryset = leaders_of(unit)
        self.fields["matter"].queryset = (
            Matter.objects.filter(unit=unit, state=Matter.State.OPEN)
            .select_related("owner")
            .order_by("-opened_at")
        )
        self.fields["targets"].offer(People.within(unit))
        self.fields["feedback_due_at"].required = False
        self.fields["feedback_due_at"].help_text = "留空则按值班工作规则的批示反馈时限"
        self.initial.setdefault("given_at", now_for_input())


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        max_length=TEXT_LIMIT, label="落实情况", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReportForm(forms.Form):
    result = forms.CharField(
        max_length=TEXT_LIMIT,
        label="落实结果（报告领导）",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class NoticeUnitsForm(forms.Form):
    """Recipients of a phone notice picked by unit (less typing): the duty offices of units chosen from
    those directly below, or all duty offices below at once; each becomes a recipient with its duty
    number, to be read back as it is phoned."""

    all_below = forms.BooleanField(label="下级全部值班室", required=False)
    units = UnitsField(label="或选择下级单位值班室", required=False)

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["units"].offer(Units.under(unit))
        self.fields["units"].help_text = f"可查找{unit.label}的直属下级单位"

    def clean(self):
        data = super().clean()
        if not data.get("all_below") and not data.get("units") and "units" not in self.errors:
            self.add_error("units", "请查找并选择要通知的单位，或勾选“下级全部值班室”")
        return data

    def chosen(self) -> list[Unit]:
        if self.cleaned_data.get("all_below"):
            below = Unit.objects.filter(path__startswith=self.unit.path, active=True).exclude(pk=self.unit.pk)
            return list(below.order_by("path"))
        return list(self.cleaned_data["units"])
