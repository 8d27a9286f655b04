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
    path("import/<int:run_id>/<str:decision>/", views.import_decide, name="import_decide"),
    path("creditor/", views.creditor_switch, name="creditor_switch"),
]
