from django.urls import path

from . import plan_views, request_views, views

app_name = "portal"
urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/verify/", views.verify, name="verify"),
    path("<str:token>/language/", views.language, name="language"),
    path("<str:token>/logo/", views.logo, name="logo"),
    path("<str:token>/items/<int:invoice_id>/pdf/", views.item_pdf, name="item_pdf"),
    path("<str:token>/statement.pdf", views.statement, name="statement"),
    path("<str:token>/pay/", views.pay, name="pay"),
    path("<str:token>/pay/return/<str:public_id>/", views.pay_return, name="pay_return"),
    path("<str:token>/promise/", views.promise, name="promise"),
    path("<str:token>/dispute/", views.dispute, name="dispute"),
    path("<str:token>/paid/", views.paid, name="paid"),
    path("<str:token>/preferences/", views.preferences, name="preferences"),
    path("<str:token>/contact/", views.contact, name="contact"),
    path("<str:token>/done/", views.done, name="done"),
    path("<str:token>/cancel/", request_views.cancellation, name="cancellation"),
    path("<str:token>/mediation/", request_views.mediation, name="mediation"),
    path("<str:token>/faq/", request_views.faq, name="faq"),
]

# Payment plans (plan_views.py): kept apart from the list above.
urlpatterns += [
    path("<str:token>/plan/", plan_views.plan_propose, name="plan"),
    path("<str:token>/plan/<int:plan_id>/", plan_views.plan_detail, name="plan_detail"),
    path("<str:token>/plan/<int:plan_id>/mandate/", plan_views.plan_mandate, name="plan_mandate"),
]
