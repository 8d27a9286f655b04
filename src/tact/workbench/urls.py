from django.urls import path

from . import views

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
    path("creditor/", views.creditor_switch, name="creditor_switch"),
]
