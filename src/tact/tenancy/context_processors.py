from .models import may
from .selectors import creditors_of


def tenancy(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    role = membership.role if membership else None
    return {
        "current_creditor": getattr(request, "creditor", None),
        "current_role": role,
        "my_creditors": creditors_of(user=user),
        "can": {a: bool(role and may(role, a)) for a in ("write", "import", "manage_users", "manage_tokens")},
    }
