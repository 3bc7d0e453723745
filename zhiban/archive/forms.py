from django import forms
from django.utils import timezone

from zhiban.archive.models import BackupPolicy, Volume


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
