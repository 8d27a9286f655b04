"""Enters the scope of the creditor the signed-in user is working for.

The creditor comes from the session (chosen with the creditor switch) and must be one the
user is a member of; otherwise the user's first creditor is used. Views of tenant data run
inside `scope(creditor=...)`, so any query that forgets the creditor raises instead of leaking.
"""

from django_scopes import scope

from .selectors import creditors_of, membership_of

SESSION_KEY = "tact_creditor_id"


class CreditorScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.creditor = None
        request.membership = None
        if request.path.startswith("/api/"):
            # The API authenticates by token and enters the scope itself.
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = None
            chosen = request.session.get(SESSION_KEY)
            if chosen:
                membership = membership_of(user=user, creditor_id=chosen)
            if membership is None:
                first = creditors_of(user=user).first()
                membership = membership_of(user=user, creditor_id=first.pk) if first else None
            if membership is not None:
                request.creditor = membership.creditor
                request.membership = membership
                with scope(creditor=membership.creditor):
                    return self.get_response(request)
        # Signed-out pages (login, password reset) touch no tenant data; a query that
        # tried would raise as unscoped.
        return self.get_response(request)
