from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("webhooks/<slug:provider>/", views.webhook, name="webhook"),
    path("webhooks/<slug:provider>/<str:account>/", views.webhook, name="account_webhook"),
    path("test/checkout/<str:ref>/", views.test_checkout, name="test_checkout"),
]
