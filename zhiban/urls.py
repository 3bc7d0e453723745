from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from django.views import defaults

from zhiban.api import api
from zhiban.archive import views as archive_views
from zhiban.audit import views as audit_views
from zhiban.incidents import views as incident_views
from zhiban.incidents import views_reports as incident_report_views
from zhiban.incidents import views_rules as incident_rule_views
from zhiban.intake import views as intake_views
from zhiban.lib.polling import before_second_factor
from zhiban.notify import views as notify_views
from zhiban.org import views, views_account, views_directory, views_security
from zhiban.roster import views as roster_views
from zhiban.shifts import views as shift_views
from zhiban.shifts import wall as shift_wall
from zhiban.supervision import views as supervision_views
from zhiban.supervision import views_desk


def _group(*patterns):
    return include(list(patterns))


# Grouped by the first segment, so a request is matched against its own group's patterns only.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("login/", views_security.LoginView.as_view(), name="login"),
    path("login/verify/", views_security.second_factor_verify, name="second_factor_verify"),
    path("login/enrol/", views_security.second_factor_enrol, name="second_factor_enrol"),
    path("logout/", before_second_factor(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", views_account.password_change, name="password_change"),
    path("", views_desk.home, name="home"),
    path("switch-unit/", views.switch_unit, name="switch_unit"),
    path("api/v1/", api.urls),
    # units, people, roles, contacts, duty lines, policy, training
    path(
        "org/",
        _group(
            path("units/", views.unit_tree, name="unit_tree"),
            path("units/new/", views.unit_create, name="unit_create"),
            path("units/import/", views.unit_import, name="unit_import"),
            path("units/import/template.xlsx", views.unit_import_template, name="unit_import_template"),
            path("units/pick/", views_directory.unit_pick, name="unit_pick"),
            path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
            path("units/<int:pk>/children/", views.unit_children, name="unit_children"),
            path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
            path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
            path("units/<int:pk>/policy/", views_directory.policy, name="policy_unit"),
            path("units/<int:pk>/policy/edit/", views_directory.policy_edit, name="policy_edit"),
            path("people/", views.person_list, name="person_list"),
            path("people/new/", views.person_create, name="person_create"),
            path("people/pick/", views_directory.person_pick, name="person_pick"),
            path("people/import/", views.person_import, name="person_import"),
            path("people/export.xlsx", views.person_export, name="person_export"),
            path("people/<int:pk>/", views.person_detail, name="person_detail"),
            path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
            path("people/<int:pk>/roles/new/", views.role_add, name="role_add"),
            path("people/<int:pk>/roles/<int:role_pk>/delete/", views.role_remove, name="role_remove"),
            path("people/<int:pk>/account/", views.person_account, name="person_account"),
            path("people/<int:pk>/training/new/", views.training_create, name="training_create"),
            path("training/", views.training_list, name="training_list"),
            path("training/<int:pk>/delete/", views.training_delete, name="training_delete"),
            path("contacts/", views_directory.contact_list, name="contact_list"),
            path("contacts/new/", views_directory.contact_create, name="contact_create"),
            path("contacts/print/", views_directory.contact_print, name="contact_print"),
            path("contacts/export.xlsx", views_directory.contact_export, name="contact_export"),
            path("contacts/<int:pk>/", views_directory.contact_detail, name="contact_detail"),
            path("contacts/<int:pk>/edit/", views_directory.contact_edit, name="contact_edit"),
            path("contacts/<int:pk>/delete/", views_directory.contact_delete, name="contact_delete"),
            path("duty-lines/", views_directory.duty_lines, name="duty_lines"),
            path("duty-lines/new/", views_directory.duty_line_create, name="duty_line_create"),
            path("duty-lines/<int:pk>/edit/", views_directory.duty_line_edit, name="duty_line_edit"),
            path("duty-lines/change-24h/", views_directory.duty_number_change, name="duty_number_change"),
            path("filings/<int:pk>/", views_directory.filing_detail, name="filing_detail"),
            path(
                "filings/<int:pk>/acknowledge/", views_directory.filing_acknowledge, name="filing_acknowledge"
            ),
            path("policy/", views_directory.policy, name="policy"),
            path("security/", views_security.security, name="security"),
            path("security/policy/", views_security.security_policy_edit, name="security_policy_edit"),
            path("security/unlock/", views_security.security_unlock, name="security_unlock"),
            path("security/clearance/", views_security.security_clearance, name="security_clearance"),
            path(
                "security/reset-second-factor/",
                views_security.security_reset_second_factor,
                name="security_reset_second_factor",
            ),
        ),
    ),
    # rosters, templates, exemptions, who is on duty
    path(
        "roster/",
        _group(
            path("", roster_views.roster_list, name="roster_list"),
            path("new/", roster_views.roster_create, name="roster_create"),
            path("<int:pk>/", roster_views.roster_detail, name="roster_detail"),
            path("<int:pk>/calendar/", roster_views.roster_calendar, name="roster_calendar"),
            path("<int:pk>/generate/", roster_views.roster_generate, name="roster_generate"),
            path("<int:pk>/solving/", roster_views.roster_solving, name="roster_solving"),
            path("<int:pk>/solving/stop/", roster_views.roster_solve_stop, name="roster_solve_stop"),
            path("<int:pk>/publish/", roster_views.roster_publish, name="roster_publish"),
            path("<int:pk>/delete/", roster_views.roster_delete, name="roster_delete"),
            path("assignments/<int:pk>/edit/", roster_views.assignment_edit, name="assignment_edit"),
            path("on-duty/", roster_views.duty_now, name="duty_now"),
            path("mine/", roster_views.my_duty, name="my_duty"),
            path(
                "mine/requests/<int:pk>/delete/", roster_views.duty_request_delete, name="duty_request_delete"
            ),
            path("<int:pk>/file/", roster_views.roster_file, name="roster_file"),
            path("filings/", roster_views.holiday_filings, name="holiday_filings"),
            path("fairness/", roster_views.fairness_report, name="fairness_report"),
            path("<int:pk>/export.xlsx", roster_views.roster_export, name="roster_export"),
            path("<int:pk>/import/", roster_views.roster_import, name="roster_import"),
            path("feeds/", roster_views.feeds, name="feeds"),
            path("feeds/<str:token>.ics", roster_views.feed, name="feed"),
            path("swaps/", roster_views.swap_list, name="swap_list"),
            path("swaps/new/", roster_views.swap_apply, name="swap_apply"),
            path("swaps/<int:pk>/", roster_views.swap_detail, name="swap_detail"),
            path("swaps/<int:pk>/step/", roster_views.swap_step, name="swap_step"),
            path("swaps/<int:pk>/form.docx", roster_views.swap_docx, name="swap_docx"),
            path("shifts/", roster_views.shift_types, name="shift_types"),
            path("shifts/new/", roster_views.shift_type_create, name="shift_type_create"),
            path("settings/<str:kind>/<int:pk>/edit/", roster_views.setting_edit, name="setting_edit"),
            path("settings/<str:kind>/<int:pk>/delete/", roster_views.setting_delete, name="setting_delete"),
            path("holidays/new/", roster_views.holiday_create, name="holiday_create"),
            path("sensitive/new/", roster_views.sensitive_period_create, name="sensitive_period_create"),
            path("exemptions/", roster_views.exemption_list, name="exemption_list"),
            path("exemptions/new/", roster_views.exemption_apply, name="exemption_apply"),
            path("exemptions/<int:pk>/", roster_views.exemption_detail, name="exemption_detail"),
            path("exemptions/<int:pk>/step/", roster_views.exemption_step, name="exemption_step"),
            path("exemptions/<int:pk>/<str:which>/", roster_views.exemption_file, name="exemption_file"),
        ),
    ),
    # calls, notices, visits, documents, matters, leader instructions
    path(
        "intake/",
        _group(
            path("calls/", intake_views.call_list, name="call_list"),
            path("calls/new/", intake_views.call_create, name="call_create"),
            path("calls/lookup/", intake_views.call_lookup, name="call_lookup"),
            path("calls/<int:pk>/", intake_views.call_detail, name="call_detail"),
            path("calls/<int:pk>/edit/", intake_views.call_edit, name="call_edit"),
            path(
                "calls/<int:pk>/material/", intake_views.call_material_received, name="call_material_received"
            ),
            path("notices/", intake_views.notice_list, name="phone_notice_list"),
            path("notices/new/", intake_views.notice_create, name="phone_notice_create"),
            path("notices/<int:pk>/", intake_views.notice_detail, name="phone_notice_detail"),
            path("notices/<int:pk>/units/", intake_views.notice_units, name="phone_notice_units"),
            path("visits/", intake_views.visit_list, name="visit_list"),
            path("visits/new/", intake_views.visit_create, name="visit_create"),
            path("visits/<int:pk>/", intake_views.visit_detail, name="visit_detail"),
            path("visits/<int:pk>/edit/", intake_views.visit_edit, name="visit_edit"),
            path("documents/", intake_views.document_list, name="document_list"),
            path("documents/new/", intake_views.document_create, name="document_create"),
            path("documents/<int:pk>/", intake_views.document_detail, name="document_detail"),
            path("documents/<int:pk>/attachments/", intake_views.document_attach, name="document_attach"),
            path(
                "documents/attachments/<int:pk>/",
                intake_views.document_attachment,
                name="document_attachment",
            ),
            path(
                "documents/<int:pk>/collections/",
                intake_views.document_collection_add,
                name="document_collection_add",
            ),
            path(
                "documents/<int:pk>/collections/<int:collection_pk>/",
                intake_views.document_collected,
                name="document_collected",
            ),
            path("matters/", intake_views.matter_list, name="matter_list"),
            path("matters/new/", intake_views.matter_create, name="matter_create"),
            path("matters/<int:pk>/", intake_views.matter_detail, name="matter_detail"),
            path("matters/<int:pk>/transfer/", intake_views.matter_transfer, name="matter_transfer"),
            path("matters/<int:pk>/close/", intake_views.matter_close, name="matter_close"),
            path("matters/<int:pk>/progress/", intake_views.matter_progress, name="matter_progress"),
            path("instructions/", intake_views.instruction_list, name="instruction_list"),
            path("instructions/new/", intake_views.instruction_create, name="instruction_create"),
            path("instructions/<int:pk>/", intake_views.instruction_detail, name="instruction_detail"),
            path("instructions/<int:pk>/report/", intake_views.instruction_report, name="instruction_report"),
        ),
    ),
    # emergency information: events, reports, the superior's inbox, verification requests, the board
    path(
        "incidents/",
        _group(
            path("", incident_views.event_list, name="event_list"),
            path("new/", incident_views.event_create, name="event_create"),
            path("board/", incident_views.board, name="incident_board"),
            path("board/rows/", incident_views.board_rows, name="incident_board_rows"),
            path("inbox/", incident_views.inbox, name="report_inbox"),
            path("chase/", incident_rule_views.chase_list, name="chase_list"),
            path("rules/", incident_rule_views.rules, name="reporting_rules"),
            path("rules/<int:pk>/", incident_rule_views.rules, name="reporting_rules_unit"),
            path("rules/<int:pk>/edit/", incident_rule_views.rule_edit, name="reporting_rule_edit"),
            path("rules/row/<int:pk>/delete/", incident_rule_views.rule_delete, name="reporting_rule_delete"),
            path("offices/", incident_rule_views.offices, name="external_offices"),
            path("offices/new/", incident_rule_views.office_edit, name="external_office_create"),
            path("offices/<int:pk>/edit/", incident_rule_views.office_edit, name="external_office_edit"),
            path(
                "offices/<int:pk>/delete/", incident_rule_views.office_delete, name="external_office_delete"
            ),
            path("manual/", incident_views.manual, name="manual"),
            path("manual/<int:pk>/", incident_views.manual, name="manual_unit"),
            path("manual/<int:pk>/<str:section>/edit/", incident_views.procedure_edit, name="procedure_edit"),
            path("<int:pk>/", incident_views.event_detail, name="event_detail"),
            path("<int:pk>/reports/phone/", incident_views.phone_report_create, name="phone_report_create"),
            path(
                "<int:pk>/reports/written/",
                incident_views.written_report_create,
                name="written_report_create",
            ),
            path("<int:pk>/regrade/", incident_views.event_regrade, name="event_regrade"),
            path("<int:pk>/link/", incident_views.event_link, name="event_link"),
            path("<int:pk>/unlink/", incident_views.event_unlink, name="event_unlink"),
            path("<int:pk>/notes/", incident_views.event_note, name="event_note"),
            path("<int:pk>/instructions/", incident_views.event_instruct, name="event_instruct"),
            path("<int:pk>/notify/", incident_views.event_notify, name="event_notify"),
            path("deadlines/<int:pk>/chase/", incident_views.deadline_chase, name="deadline_chase"),
            path("reports/<int:pk>/", incident_report_views.report_detail, name="report_detail"),
            path("reports/<int:pk>/edit/", incident_report_views.report_edit, name="report_edit"),
            path("reports/<int:pk>/check/", incident_report_views.report_check, name="report_check"),
            path("reports/<int:pk>/sign/", incident_report_views.report_sign, name="report_sign"),
            path("reports/<int:pk>/return/", incident_report_views.report_return, name="report_return"),
            path("reports/<int:pk>/send/", incident_report_views.report_send, name="report_send"),
            path("reports/<int:pk>/receive/", incident_report_views.report_receive, name="report_receive"),
            path("reports/<int:pk>/forward/", incident_report_views.report_forward, name="report_forward"),
            path("reports/<int:pk>/report.docx", incident_report_views.report_word, name="report_word"),
            path("attachments/<int:pk>/", incident_report_views.report_attachment, name="report_attachment"),
            path("verifications/", incident_views.verification_list, name="verification_list"),
            path("verifications/new/", incident_views.verification_create, name="verification_create"),
            path("verifications/<int:pk>/", incident_views.verification_detail, name="verification_detail"),
            path(
                "verifications/<int:pk>/chase/",
                incident_rule_views.verification_chase,
                name="verification_chase",
            ),
        ),
    ),
    # the shift: 一口清, duty log, check-in, leave, handover, equipment
    path(
        "duty/",
        _group(
            path("", shift_views.desk, name="desk"),
            path("equipment/", shift_views.equipment_list, name="equipment_list"),
            path("shifts/<int:pk>/", shift_views.shift_detail, name="shift_detail"),
            path("shifts/<int:pk>/log.docx", shift_views.shift_log_docx, name="shift_log_docx"),
            path("shifts/<int:pk>/check-in/", shift_views.shift_check_in, name="shift_check_in"),
            path("shifts/<int:pk>/leave/", shift_views.leave_ask, name="leave_ask"),
            path("shifts/<int:pk>/leave/<int:leave_pk>/back/", shift_views.leave_back, name="leave_back"),
            path("shifts/<int:pk>/entries/", shift_views.entry_add, name="entry_add"),
            path("entries/<int:pk>/", shift_views.entry_detail, name="entry_detail"),
            path("shifts/<int:pk>/handover/", shift_views.handover, name="handover"),
            path("shifts/<int:pk>/handover/sign/", shift_views.handover_sign, name="handover_sign"),
        ),
    ),
    # archive: volumes (A1.12), backups and restore drills
    path("archive/", archive_views.archive_home, name="archive_home"),
    path("search/", archive_views.search_page, name="search"),
    path("archive/briefs/", archive_views.brief_list, name="brief_list"),
    path("archive/briefs/<int:pk>/", archive_views.brief_detail, name="brief_detail"),
    path("archive/briefs/<int:pk>/brief.docx", archive_views.brief_word, name="brief_word"),
    path("archive/volumes/<int:pk>/", archive_views.volume_detail, name="volume_detail"),
    path("archive/volumes/<int:pk>/act/", archive_views.volume_action, name="volume_action"),
    path("archive/volumes/<int:pk>/volume.docx", archive_views.volume_word, name="volume_word"),
    path("archive/volumes/<int:pk>/volume.pdf", archive_views.volume_pdf, name="volume_pdf"),
    path("archive/backups/", archive_views.backup_list, name="backup_list"),
    path("archive/backups/new/", archive_views.backup_request, name="backup_request"),
    path("archive/backups/<int:pk>/drill/", archive_views.drill_request, name="drill_request"),
    # the wall board of the duty room (1920×1080)
    path(
        "board/",
        _group(
            path("wall/", shift_wall.wall, name="wall"),
            path("wall/poll/", shift_wall.wall_poll, name="wall_poll"),
            path("displays/", shift_wall.displays, name="wall_displays"),
            path("displays/<int:pk>/revoke/", shift_wall.display_revoke, name="wall_display_revoke"),
            # a wall PC's link: its key is the permission, for the board and its poll alone
            path("display/<str:key>/", shift_wall.display, name="wall_display"),
            path("display/<str:key>/poll/", shift_wall.display_poll, name="wall_display_poll"),
        ),
    ),
    # supervision: spot checks, roll calls, inspections, circulars, rectification, ledger, statistics
    path(
        "supervision/",
        _group(
            path("", supervision_views.home, name="supervision_home"),
            path("checks/", supervision_views.spot_check_list, name="spot_check_list"),
            path("checks/plan/", supervision_views.spot_check_plan, name="spot_check_plan"),
            path("checks/<int:pk>/", supervision_views.spot_check_detail, name="spot_check_detail"),
            path("roll-calls/", supervision_views.roll_call_list, name="roll_call_list"),
            path("roll-calls/pending/", supervision_views.roll_call_pending, name="roll_call_pending"),
            path("desk/", supervision_views.desk_part, name="supervision_desk"),
            path("roll-calls/schedule/", supervision_views.roll_call_schedule, name="roll_call_schedule"),
            path("roll-calls/<int:pk>/", supervision_views.roll_call_detail, name="roll_call_detail"),
            path("roll-calls/<int:pk>/rows/", supervision_views.roll_call_rows, name="roll_call_rows"),
            path("roll-calls/answers/<int:pk>/", supervision_views.roll_call_answer, name="roll_call_answer"),
            path("inspections/", supervision_views.inspection_list, name="inspection_list"),
            path("inspections/<int:pk>/", supervision_views.inspection_detail, name="inspection_detail"),
            path("inspections/<int:pk>/items/", supervision_views.inspection_item, name="inspection_item"),
            path(
                "inspections/<int:pk>/finish/", supervision_views.inspection_finish, name="inspection_finish"
            ),
            path("evidence/<int:pk>/", supervision_views.evidence_file, name="evidence_file"),
            path("circulars/", supervision_views.circular_list, name="circular_list"),
            path("circulars/<int:pk>/", supervision_views.circular_detail, name="circular_detail"),
            path("circulars/<int:pk>/problems/", supervision_views.circular_problem, name="circular_problem"),
            path("circulars/<int:pk>/submit/", supervision_views.circular_submit, name="circular_submit"),
            path("circulars/<int:pk>/publish/", supervision_views.circular_publish, name="circular_publish"),
            path("circulars/<int:pk>/circular.docx", supervision_views.circular_word, name="circular_word"),
            path("rectifications/", supervision_views.rectification_list, name="rectification_list"),
            path(
                "rectifications/<int:pk>/",
                supervision_views.rectification_detail,
                name="rectification_detail",
            ),
            path("ledger/", supervision_views.ledger_list, name="ledger_list"),
            path("ledger/new/", supervision_views.ledger_create, name="ledger_create"),
            path("ledger/<int:pk>/", supervision_views.ledger_entry_detail, name="ledger_entry_detail"),
            path("appeals/", supervision_views.appeal_list, name="appeal_list"),
            path("commendations/", supervision_views.commendation_list, name="commendation_list"),
            path("statistics/", supervision_views.statistics, name="supervision_statistics"),
            path(
                "statistics.xlsx", supervision_views.statistics_export, name="supervision_statistics_export"
            ),
            path("marks/", supervision_views.report_marks, name="report_marks"),
            path("marks/<int:pk>/", supervision_views.report_mark, name="report_mark"),
        ),
    ),
    # notices
    path(
        "notices/",
        _group(
            path("", notify_views.notice_list, name="notice_list"),
            path("read/", notify_views.notice_read_all, name="notice_read_all"),
            path("channels/", notify_views.channel_list, name="channel_list"),
            path("channels/<int:pk>/delete/", notify_views.channel_delete, name="channel_delete"),
        ),
    ),
    # one's own account
    path(
        "account/",
        _group(
            path("tokens/", views_account.token_list, name="token_list"),
            path("second-factor/", views_security.second_factor, name="second_factor"),
            path("tokens/<int:pk>/revoke/", views_account.token_revoke, name="token_revoke"),
        ),
    ),
    # the audit trail
    path(
        "audit/",
        _group(
            path("", audit_views.audit_log, name="audit_log"),
        ),
    ),
]


def not_found(request, exception):
    """A page that does not exist: the 404 page, and for the API a JSON answer in Chinese."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "没有这个接口，请查看 /api/v1/docs"}, status=404)
    return defaults.page_not_found(request, exception)


handler404 = not_found
