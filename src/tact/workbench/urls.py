from django.urls import path

from . import banking_views as banking
from . import dunning_views as dunning
from . import law_views, plan_views, policy_views, views
from . import messaging_views as messaging
from . import payments_views as payments
from . import review_views as review

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("debtors/", views.debtor_list, name="debtors"),
    path("debtors/<int:debtor_id>/", views.debtor_detail, name="debtor"),
    path("items/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:run_id>/", views.import_run, name="import_run"),
    path("import/<int:run_id>/layout/", views.import_map, name="import_map"),
    path("import/<int:run_id>/<str:decision>/", views.import_decide, name="import_decide"),
    path("import/layouts/<int:mapping_id>/delete/", views.mapping_delete, name="mapping_delete"),
    path("settings/", views.creditor_settings, name="settings"),
    path("settings/logo/", views.creditor_logo, name="creditor_logo"),
    path("settings/tokens/", views.api_tokens, name="api_tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("settings/payments/", payments.payment_accounts, name="payment_accounts"),
    path(
        "settings/payments/<slug:provider>/verify/",
        payments.payment_account_verify,
        name="payment_account_verify",
    ),
    path(
        "settings/payments/<slug:provider>/disable/",
        payments.payment_account_disable,
        name="payment_account_disable",
    ),
    path("creditor/", views.creditor_switch, name="creditor_switch"),
    # dunning: plan, approvals, holds, policies, law
    path("dunning/plan/", dunning.plan, name="dunning_plan"),
    path("dunning/cycle/", dunning.cycle_run, name="dunning_cycle_run"),
    path("dunning/approvals/", dunning.approvals, name="dunning_approvals"),
    path("dunning/approvals/bulk/", dunning.actions_bulk_approve, name="dunning_bulk_approve"),
    path("dunning/actions/<int:action_id>/approve/", dunning.action_approve, name="dunning_action_approve"),
    path("dunning/actions/<int:action_id>/skip/", dunning.action_skip, name="dunning_action_skip"),
    path("dunning/actions/<int:action_id>/change/", dunning.action_change, name="dunning_action_change"),
    path("debtors/<int:debtor_id>/holds/", dunning.hold_place, name="dunning_hold_place"),
    path("holds/<int:hold_id>/end/", dunning.hold_end, name="dunning_hold_end"),
    path("debtors/<int:debtor_id>/policy/", dunning.debtor_policy_set, name="dunning_debtor_policy"),
    path("dunning/policies/", policy_views.policies, name="dunning_policies"),
    path("dunning/policies/presets/", policy_views.presets_install, name="dunning_presets_install"),
    path("dunning/policies/new/", policy_views.policy_new, name="dunning_policy_new"),
    path("dunning/policies/<int:policy_id>/", policy_views.policy_edit, name="dunning_policy"),
    path(
        "dunning/policies/<int:policy_id>/details/",
        policy_views.policy_details,
        name="dunning_policy_details",
    ),
    path(
        "dunning/policies/<int:policy_id>/thresholds/",
        policy_views.policy_threshold,
        name="dunning_policy_threshold",
    ),
    path(
        "dunning/policies/<int:policy_id>/thresholds/<str:currency>/remove/",
        policy_views.policy_threshold_remove,
        name="dunning_policy_threshold_remove",
    ),
    path(
        "dunning/policies/<int:policy_id>/default/",
        policy_views.policy_make_default,
        name="dunning_policy_default",
    ),
    path(
        "dunning/policies/<int:policy_id>/delete/", policy_views.policy_delete, name="dunning_policy_delete"
    ),
    path(
        "dunning/policies/<int:policy_id>/assign/", policy_views.policy_assign, name="dunning_policy_assign"
    ),
    path(
        "dunning/policies/<int:policy_id>/assignments/<int:assignment_id>/remove/",
        policy_views.policy_unassign_view,
        name="dunning_policy_unassign",
    ),
    path(
        "dunning/policies/<int:policy_id>/simulate/",
        policy_views.policy_simulate,
        name="dunning_policy_simulate",
    ),
    path("law/", law_views.law_page, name="law"),
    # messaging: the template editor, phone calls, personal e-mails
    path("templates/", messaging.template_list, name="templates"),
    path("templates/new/", messaging.template_new, name="template_new"),
    path(
        "templates/<slug:key>/<str:channel>/<str:language>/<str:tone>/",
        messaging.template_edit,
        name="template_edit",
    ),
    path(
        "templates/<slug:key>/<str:channel>/<str:language>/<str:tone>/preview/",
        messaging.template_preview,
        name="template_preview",
    ),
    path(
        "templates/<slug:key>/<str:channel>/<str:language>/<str:tone>/restore/<int:version_id>/",
        messaging.template_restore,
        name="template_restore",
    ),
    path("debtors/<int:debtor_id>/call/", messaging.call_log, name="call_log"),
    path("debtors/<int:debtor_id>/email/", messaging.personal_email, name="personal_email"),
    path("messages/", messaging.outbox, name="outbox"),
    path("messages/<int:message_id>/", messaging.message_detail, name="message"),
    path("messages/<int:message_id>/letter.pdf", messaging.message_letter, name="message_letter"),
    # banking: statement upload, reconciliation and CSV layouts
    path("bank/", banking.bank_upload, name="bank_upload"),
    path("bank/reconcile/", banking.bank_reconcile, name="bank_reconcile"),
    path("bank/layouts/", banking.bank_layouts, name="bank_layouts"),
    path("bank/layouts/new/", banking.bank_layout_edit, name="bank_layout_new"),
    path("bank/layouts/<int:mapping_id>/", banking.bank_layout_edit, name="bank_layout"),
    path("bank/layouts/<int:mapping_id>/delete/", banking.bank_layout_delete, name="bank_layout_delete"),
    path("bank/lines/<int:line_id>/", banking.bank_line, name="bank_line"),
    path("bank/suggestions/accept/", banking.bank_suggestions_accept, name="bank_suggestions_accept"),
    path("bank/suggestions/<int:suggestion_id>/accept/", banking.bank_suggestion_accept, name="bank_accept"),
    path("bank/suggestions/<int:suggestion_id>/reject/", banking.bank_suggestion_reject, name="bank_reject"),
    # disputes and portal requests for a person to decide; the creditor's FAQ
    path("review/", review.review_list, name="review"),
    path("review/disputes/<int:dispute_id>/", review.review_dispute, name="review_dispute"),
    path(
        "review/disputes/<int:dispute_id>/document/",
        review.review_dispute_document,
        name="review_dispute_document",
    ),
    path("review/requests/<int:submission_id>/", review.review_submission, name="review_submission"),
    path(
        "review/requests/<int:submission_id>/document/",
        review.review_submission_document,
        name="review_submission_document",
    ),
    path("settings/faq/", review.faq, name="faq"),
    path("settings/faq/<int:entry_id>/", review.faq_edit, name="faq_edit"),
    path("settings/faq/<int:entry_id>/delete/", review.faq_delete, name="faq_delete"),
]

# Payment plans awaiting a decision (plan_views.py).
urlpatterns += [
    path("plans/", plan_views.plans_queue, name="plans_queue"),
    path("plans/<int:plan_id>/decide/", plan_views.plan_decide, name="plan_decide"),
    path("plans/rules/", plan_views.plan_rules, name="plan_rules"),
    path("plans/mandates/", plan_views.mandates, name="mandates"),
    path("plans/mandates/<int:mandate_id>/revoke/", plan_views.mandate_revoke_view, name="mandate_revoke"),
]
