from django import forms
from django.utils import timezone

from zhiban.archive.models import BackupPolicy, Brief, Volume
from zhiban.lib.classification import Classification
from zhiban.org.models import Unit
from zhiban.org.pickers import Units, UnitsField


class BackupPolicyForm(forms.ModelForm):
    class Meta:
        model = BackupPolicy
        fields = ["active", "at", "keep"]
        widgets = {"at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class CompileForm(forms.Form):
    period = forms.ChoiceField(label="卷期", choices=Volume.Period.choices, initial=Volume.Period.DAY)
    day = forms.DateField(
        label="日期", widget=forms.DateInput(attrs={"type": "date"}), help_text="月卷、年卷取其所在的月、年"
    )

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError("不能编制今后的档案")
        return day


class EditionForm(forms.Form):
    reason = forms.CharField(label="编制新版的原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class SearchForm(forms.Form):
    q = forms.CharField(label="检索词", max_length=100, required=False)
    kind = forms.ChoiceField(label="类别", required=False)
    unit = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.none(), required=False, empty_label="全部"
    )
    since = forms.DateField(label="起", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="止", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    level = forms.ChoiceField(label="密级", required=False, choices=[("", "全部"), *Classification.choices])
    page = forms.IntegerField(required=False, min_value=1, max_value=500, widget=forms.HiddenInput)

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhiban.archive.search import CONTACTS, KINDS

        self.fields["kind"].choices = [("", "全部"), *((k.code, k.words) for k in KINDS), CONTACTS]
        if scope is not None:
            self.fields["unit"].queryset = Unit.objects.filter(scope.unit_q()).order_by("path")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "止日期不能早于起日期")
        return data


class BriefForm(forms.ModelForm):
    class Meta:
        model = Brief
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}


class BriefSendForm(forms.Form):
    units = UnitsField(
        label="同时发送给",
        required=False,
        help_text="上级值班机构总会收到；另可查找并选择直属下级单位",
    )

    def __init__(self, *args, brief=None, **kwargs):
        super().__init__(*args, **kwargs)
        if brief is not None:
            self.fields["units"].offer(Units.under(brief.unit))


class BriefDraftForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=Brief.Kind.choices)
    day = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="要情截至当天的截止时间；月度汇总取所在月",
    )

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError("不能生成今后的要情")
        return day
