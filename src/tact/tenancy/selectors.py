from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .models import Creditor, Membership


def creditors_of(*, user: AbstractBaseUser) -> QuerySet[Creditor]:
    return Creditor.objects.filter(memberships__user=user).order_by("legal_name")


def membership_of(*, user: AbstractBaseUser, creditor_id: int) -> Membership | None:
    return Membership.objects.select_related("creditor").filter(user=user, creditor_id=creditor_id).first()
