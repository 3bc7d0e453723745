from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from zhiban.org.models import (
    Contact,
    ContactNumber,
    DutyLine,
    DutyNumberFiling,
    DutyPolicy,
    Person,
    RoleAssignment,
    TrainingRecord,
    Unit,
    User,
)
from zhiban.org.policy import POLICY_FIELDS, YES_NO


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用。",
    }


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "short_name", "kind", "parent", "duty_office_name", "order", "active"]

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "（无：最上级单位）"


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "unit",
            "position",
            "rank",
            "mobile",
            "office_phone",
            "is_established",
            "duty_eligible",
            "active",
            "order",
        ]
        error_messages = {"name": {"required": "请填写姓名"}, "gender": {"required": "请选择性别"}}

    email = forms.EmailField(
        label="电子邮箱",
        required=False,
        max_length=254,
        help_text="通知渠道为电子邮件时发到这里；须有登录账号",
        error_messages={"invalid": "请填写有效的电子邮箱地址，如 zhangsan@example.gov.cn"},
    )

    def __init__(self, *args, units=None, mobile_visible: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        user = self.instance.user if self.instance.pk else None
        self.fields["email"].initial = user.email if user else ""
        if user is None:
            self.fields["email"].disabled = True
            self.fields["email"].help_text = "设置登录账号后可填写，用于邮件通知"
        if not mobile_visible:  # A1.7: a personal number outside its unit is neither shown nor overwritten
            for name in ("mobile", "email"):
                self.fields[name].disabled = True
                self.fields[name].widget = forms.TextInput(attrs={"placeholder": "仅本单位可见"})
                self.fields[name].help_text = "个人号码仅对本单位人员显示，请由本单位修改"
            self.initial["mobile"] = self.initial["email"] = ""
            self.fields["email"].initial = ""

    def clean_mobile(self):
        if self.fields["mobile"].disabled:
            return self.instance.mobile
        return self.cleaned_data["mobile"]

    def save(self, commit: bool = True):
        person = super().save(commit=commit)
        user = person.user
        if commit and user is not None and not self.fields["email"].disabled:
            email = self.cleaned_data.get("email", "")
            if user.email != email:
                user.email = email
                user.save(update_fields=["email"])
        return person


class RoleForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["role", "unit"]

    def __init__(self, *args, person: Person, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        self.fields["unit"].queryset = units
        self.fields["unit"].initial = person.unit_id

    def validate_unique(self):
        super().validate_unique()
        data = self.cleaned_data
        if RoleAssignment.objects.filter(
            person=self.instance.person, unit=data.get("unit"), role=data.get("role")
        ).exists():
            self.add_error("role", "该人员在此单位已有这个角色")


class AccountForm(forms.Form):
    username = forms.RegexField(
        label="登录名",
        regex=r"^[a-zA-Z0-9_.\-]{3,30}$",
        error_messages={"invalid": "登录名为3-30位字母、数字或 _ . -"},
    )
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput,
        help_text="须符合安全策略；本人下次登录时须改为自己的密码",
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_username(self):
        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exclude(pk=self.person.user_id).exists():
            raise ValidationError("该登录名已被使用")
        return name

    def clean(self):
        from django.contrib.auth.password_validation import CommonPasswordValidator

        from zhiban.org.security import password_problems

        password = self.cleaned_data.get("password")
        if password:
            for problem in password_problems(password, self.cleaned_data.get("username", ""), self.person):
                self.add_error("password", problem)
            try:
                CommonPasswordValidator().validate(password)
            except ValidationError as e:
                self.add_error("password", e)
        return self.cleaned_data


class TrainingForm(forms.ModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["kind", "date", "content", "result", "organiser"]
        error_messages = {"date": {"invalid": "日期格式不对，请填写如 2026-03-05 或 2026年3月5日"}}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["kind", "name", "organisation", "position", "unit", "note", "order"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


ContactNumberFormSet = forms.inlineformset_factory(
    Contact,
    ContactNumber,
    fields=["label", "number", "internal_only"],
    extra=3,
    can_delete=True,
    min_num=1,
    validate_min=True,
    error_messages={"too_few_forms": "请至少填写一个号码"},
)


class DutyLineForm(forms.ModelForm):
    class Meta:
        model = DutyLine
        fields = ["kind", "number", "note", "active"]


class NumberChangeForm(forms.Form):
    """B23: changing the 24-hour number is filed with the superior duty office."""

    new_number = forms.CharField(
        label="新的24小时值班电话",
        max_length=30,
        validators=DutyNumberFiling._meta.get_field("new_number").validators,
    )
    reason = forms.CharField(label="变更原因", max_length=200)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = DutyPolicy
        fields = list(POLICY_FIELDS)

    def __init__(self, *args, inherited: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in inherited.items():
            if name in YES_NO:
                label = self.fields[name].label
                self.fields[name] = forms.TypedChoiceField(
                    label=label,
                    choices=[("", f"沿用上级（{value.shown}）"), ("1", "是"), ("0", "否")],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
                continue
            field = self.fields[name]
            field.help_text = f"留空则沿用上级：{value.value}"
            field.widget.attrs["placeholder"] = str(value.value)
            field.min_value = 1
            field.validators.append(_at_least_one)


def _at_least_one(value):
    if value is not None and value < 1:
        raise ValidationError("应为不小于1的整数")


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("请上传 .xlsx 格式的 Excel 文件")
        return upload
