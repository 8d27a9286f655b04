"""Version 1 of tact's REST API: /api/v1/, its schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from . import problems
from .auth import TokenAuth, tenant_view
from .endpoints import banking, contacts, debtors, dunning, inbound, invoices, law, payments

DESCRIPTION = """\
The receivables ledger of one creditor: debtors, contacts, invoices and credit notes, payments;
its dunning: policies, the day's actions and their approval, holds, the daily cycle and the
simulation of one debtor's day; and the law calculators (statutory interest and fees).

**Authentication.** Every request carries an API token: `Authorization: Bearer tact_<prefix>_<secret>`
(create one with `tact token add --creditor SLUG --name NAME`). The token's creditor is the
only one the request can see; a token with the read-only role may only read. Approving,
skipping or changing actions, running the cycle and creating or changing policies need a
credit manager's or administrator's token.

**Money** is a decimal string (`"1190.00"`), never a JSON number. Dates are ISO (`2025-12-31`).

**Lists** are cursor-paginated: `?limit=` (1–500, default 50) and `?cursor=` with the
`next_cursor` of the previous page; `next_cursor` is null on the last page.

**Errors** are RFC 9457 problem documents (`application/problem+json`) with `type`, `title`,
`status`, `detail`, a stable `code`, and `errors` (each wrong field) or `facts`.

**Idempotency.** Send `Idempotency-Key: <unique key>` with a POST: a repeat with the same key
and body within 24 hours returns the first response again (header `Idempotent-Replayed: true`)
without doing the work twice; the same key with another body is refused (422).
"""

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Makes a retry of this POST safe: the first response is replayed for 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


class TactAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {problems.PROBLEM_CONTENT_TYPE: content["application/json"]}
                if method == "post":
                    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
        return schema


api = TactAPI(
    title="tact API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
)
problems.install(api)
api.add_decorator(tenant_view, mode="view")
api.add_router("/debtors", debtors.router)
api.add_router("/contacts", contacts.router)
api.add_router("/invoices", invoices.router)
api.add_router("/payments", payments.router)
api.add_router("/debtors", dunning.simulation_router)
api.add_router("/policies", dunning.policies_router)
api.add_router("/actions", dunning.actions_router)
api.add_router("/holds", dunning.holds_router)
api.add_router("/cycle", dunning.cycle_router)
api.add_router("/law", law.router)
api.add_router("/inbound", inbound.router)
api.add_router("/bank", banking.router)
