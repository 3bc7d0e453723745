from django.contrib.auth import views as auth_views
from django.urls import path

from zhiban.api import api
from zhiban.audit import views as audit_views
from zhiban.notify import views as notify_views
from zhiban.org import views, views_account, views_directory
from zhiban.org.forms import LoginForm
from zhiban.roster import views as roster_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("switch-unit/", views.switch_unit, name="switch_unit"),
    # units
    path("org/units/", views.unit_tree, name="unit_tree"),
    path("org/units/new/", views.unit_create, name="unit_create"),
    path("org/units/import/", views.unit_import, name="unit_import"),
    path("org/units/import/template.xlsx", views.unit_import_template, name="unit_import_template"),
    path("org/units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("org/units/<int:pk>/children/", views.unit_children, name="unit_children"),
    path("org/units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("org/units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("org/units/<int:pk>/policy/", views_directory.policy, name="policy_unit"),
    path("org/units/<int:pk>/policy/edit/", views_directory.policy_edit, name="policy_edit"),
    # people, roles, accounts, training
    path("org/people/", views.person_list, name="person_list"),
    path("org/people/new/", views.person_create, name="person_create"),
    path("org/people/import/", views.person_import, name="person_import"),
    path("org/people/export.xlsx", views.person_export, name="person_export"),
    path("org/people/<int:pk>/", views.person_detail, name="person_detail"),
    path("org/people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("org/people/<int:pk>/roles/new/", views.role_add, name="role_add"),
    path("org/people/<int:pk>/roles/<int:role_pk>/delete/", views.role_remove, name="role_remove"),
    path("org/people/<int:pk>/account/", views.person_account, name="person_account"),
    path("org/people/<int:pk>/training/new/", views.training_create, name="training_create"),
    path("org/training/", views.training_list, name="training_list"),
    path("org/training/<int:pk>/delete/", views.training_delete, name="training_delete"),
    # contacts (A1.7)
    path("org/contacts/", views_directory.contact_list, name="contact_list"),
    path("org/contacts/new/", views_directory.contact_create, name="contact_create"),
    path("org/contacts/print/", views_directory.contact_print, name="contact_print"),
    path("org/contacts/export.xlsx", views_directory.contact_export, name="contact_export"),
    path("org/contacts/<int:pk>/", views_directory.contact_detail, name="contact_detail"),
    path("org/contacts/<int:pk>/edit/", views_directory.contact_edit, name="contact_edit"),
    path("org/contacts/<int:pk>/delete/", views_directory.contact_delete, name="contact_delete"),
    # duty lines (B23) and policy (B29)
    path("org/duty-lines/", views_directory.duty_lines, name="duty_lines"),
    path("org/duty-lines/new/", views_directory.duty_line_create, name="duty_line_create"),
    path("org/duty-lines/<int:pk>/edit/", views_directory.duty_line_edit, name="duty_line_edit"),
    path("org/duty-lines/change-24h/", views_directory.duty_number_change, name="duty_number_change"),
    path("org/filings/<int:pk>/", views_directory.filing_detail, name="filing_detail"),
    path("org/filings/<int:pk>/acknowledge/", views_directory.filing_acknowledge, name="filing_acknowledge"),
    path("org/policy/", views_directory.policy, name="policy"),
    # roster
    path("roster/", roster_views.roster_list, name="roster_list"),
    path("roster/new/", roster_views.roster_create, name="roster_create"),
    path("roster/<int:pk>/", roster_views.roster_detail, name="roster_detail"),
    path("roster/<int:pk>/generate/", roster_views.roster_generate, name="roster_generate"),
    path("roster/<int:pk>/publish/", roster_views.roster_publish, name="roster_publish"),
    path("roster/assignments/<int:pk>/edit/", roster_views.assignment_edit, name="assignment_edit"),
    path("roster/on-duty/", roster_views.duty_now, name="duty_now"),
    path("roster/shifts/", roster_views.shift_types, name="shift_types"),
    path("roster/shifts/new/", roster_views.shift_type_create, name="shift_type_create"),
    path("roster/holidays/new/", roster_views.holiday_create, name="holiday_create"),
    path("roster/sensitive/new/", roster_views.sensitive_period_create, name="sensitive_period_create"),
    path("roster/exemptions/", roster_views.exemption_list, name="exemption_list"),
    path("roster/exemptions/new/", roster_views.exemption_apply, name="exemption_apply"),
    path("roster/exemptions/<int:pk>/", roster_views.exemption_detail, name="exemption_detail"),
    path("roster/exemptions/<int:pk>/step/", roster_views.exemption_step, name="exemption_step"),
    path("roster/exemptions/<int:pk>/<str:which>/", roster_views.exemption_file, name="exemption_file"),
    path("notices/", notify_views.notice_list, name="notice_list"),
    path("notices/read/", notify_views.notice_read_all, name="notice_read_all"),
    # account, audit, API
    path("account/tokens/", views_account.token_list, name="token_list"),
    path("account/tokens/<int:pk>/revoke/", views_account.token_revoke, name="token_revoke"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("api/v1/", api.urls),
]
