"""tact law interest | fees | notices | rates list | rates import"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import CommandError

from tact.core.commands import EXIT_BAD_INPUT, TactCommand
from tact.law.errors import LawInputError, RateFileInvalid
from tact.law.rates import format_rate
from tact.law.selectors import COUNTRIES, SERIES, fees_for, interest_for, notices_for, rates_list
from tact.law.services import rates_import_file

# Which flag a domain error's field came from.
FLAGS = {
    "country": "--country",
    "kind": "--kind",
    "principal": "--principal",
    "from": "--from",
    "to": "--to",
    "currency": "--currency",
    "dunning_fee": "--dunning-fee",
    "obligation_on": "--obligation-on",
}


class Command(TactCommand):
    help = "Statutory interest, fees, notices and reference-rate tables per country and debtor kind."

    def add_subcommands(self, sub):
        # Flags are checked by the handlers, not argparse, so every bad value gets the same
        # one-line message and exit code 2.
        def claim_flags(parser, *, dates: bool) -> None:
            parser.add_argument("--country", help=f"one of {', '.join(COUNTRIES)}")
            parser.add_argument("--kind", help="b2b or b2c")
            parser.add_argument("--principal", help="amount owed, e.g. 1000.00")
            parser.add_argument("--currency", default="EUR")
            parser.add_argument("--obligation-on", dest="obligation_on",
                                help="day the obligation arose (DE: decides +8/+9 points and the EUR 40)")  # fmt: skip
            if dates:
                parser.add_argument("--from", dest="start",
                                    help="due date (or default date); interest runs from the next day")  # fmt: skip
                parser.add_argument("--to", dest="end", help="last day of interest, inclusive")
            parser.add_argument("--json", action="store_true")

        interest = sub.add_parser("interest", help="Statutory default interest over a period.")
        claim_flags(interest, dates=True)
        fees = sub.add_parser("fees", help="Collection costs and flat compensation the law allows.")
        claim_flags(fees, dates=False)
        fees.add_argument(
            "--dunning-fee", dest="dunning_fee", help="DE: actual cost of one reminder (default 0)"
        )
        notices = sub.add_parser("notices", help="Waiting periods and mandatory content of reminders.")
        notices.add_argument("--country")
        notices.add_argument("--kind")
        notices.add_argument("--json", action="store_true")

        rates = sub.add_parser("rates", help="Reference-rate tables: list or import.")
        rates_sub = rates.add_subparsers(dest="rates_action", required=True, metavar="list|import")
        show = rates_sub.add_parser("list", help="List the stored rate rows.")
        show.add_argument("--country")
        show.add_argument("--json", action="store_true")
        imp = rates_sub.add_parser(
            "import",
            help="Import a rate file (CSV with a header, or a JSON list of objects; columns series, valid_from, "
            "valid_to, rate, source, status, note). All or nothing; idempotent.",
        )
        imp.add_argument("file")
        imp.add_argument("--json", action="store_true", help="print the report as JSON")

    # --- parsing -----------------------------------------------------------------------

    def _bad(self, flag: str, detail: str, *, as_json: bool) -> None:
        message = f"{flag}: {detail}"
        if as_json:
            self.emit_json(
                {"error": {"code": "law_invalid_input", "message": message, "facts": {"flag": flag}}}
            )
        raise CommandError(message, returncode=EXIT_BAD_INPUT)

    def _required(self, value, flag: str, *, as_json: bool) -> str:
        if value is None or not str(value).strip():
            self._bad(flag, "is required", as_json=as_json)
        return str(value).strip()

    def _amount(self, value, flag: str, *, as_json: bool) -> Decimal:
        text = self._required(value, flag, as_json=as_json)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self._bad(flag, f"{text!r} is not an amount like 1000.00", as_json=as_json)
        return amount

    def _date(self, value, flag: str, *, as_json: bool, required: bool = True) -> date | None:
        if not required and value is None:
            return None
        text = self._required(value, flag, as_json=as_json)
        try:
            return date.fromisoformat(text)
        except ValueError:
            self._bad(flag, f"{text!r} is not a date YYYY-MM-DD", as_json=as_json)

    def _run(self, call, *, as_json: bool):
        try:
            return call()
        except LawInputError as exc:
            self._bad(FLAGS.get(exc.field, f"--{exc.field}"), exc.detail, as_json=as_json)

    # --- subcommands ---------------------------------------------------------------------

    def handle_interest(self, *, country, kind, principal, currency, obligation_on, start, end, json, **_):
        self._required(country, "--country", as_json=json)
        self._required(kind, "--kind", as_json=json)
        amount = self._amount(principal, "--principal", as_json=json)
        first = self._date(start, "--from", as_json=json)
        last = self._date(end, "--to", as_json=json)
        arose = self._date(obligation_on, "--obligation-on", as_json=json, required=False)
        result = self._run(
            lambda: interest_for(
                country=country,
                kind=kind,
                principal=amount,
                start=first,
                end=last,
                currency=currency,
                obligation_on=arose,
            ),  # fmt: skip
            as_json=json,
        )
        if json:
            self.emit_json(result.as_dict())
            return
        w = self.stdout.write
        for p in result.periods:
            w(f"{p.first_day} … {p.last_day}  {p.days:>5} days  {format_rate(p.rate):>7} %  on {p.principal:.2f}  "
              f"= {p.as_dict(result.currency)['amount']} {result.currency}")  # fmt: skip
        w(f"Interest: {result.interest} {result.currency} ({result.day_count}; interest days after "
          f"{first} through {last})")  # fmt: skip
        w(f"Rule: {result.rule_label}")
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")

    def handle_fees(self, *, country, kind, principal, currency, obligation_on, dunning_fee, json, **_):
        self._required(country, "--country", as_json=json)
        self._required(kind, "--kind", as_json=json)
        amount = self._amount(principal, "--principal", as_json=json)
        fee = None if dunning_fee is None else self._amount(dunning_fee, "--dunning-fee", as_json=json)
        arose = self._date(obligation_on, "--obligation-on", as_json=json, required=False)
        result = self._run(
            lambda: fees_for(
                country=country,
                kind=kind,
                principal=amount,
                currency=currency,
                obligation_on=arose,
                dunning_fee=fee,
            ),  # fmt: skip
            as_json=json,
        )
        data = result.as_dict()
        if json:
            self.emit_json(data)
            return
        w = self.stdout.write
        w(f"Collection costs:   {data['collection_costs'] or '— (no fixed figure)'}")
        w(f"Flat compensation:  {data['flat_compensation'] or '—'}")
        w(f"Rule: {data['rule']}")
        for condition in data["conditions"]:
            w(f"  - {condition}")

    def handle_notices(self, *, country, kind, json, **_):
        self._required(country, "--country", as_json=json)
        self._required(kind, "--kind", as_json=json)
        data = self._run(lambda: notices_for(country, kind), as_json=json)
        if json:
            self.emit_json(data)
            return
        w = self.stdout.write
        w(f"{data['country']} {data['kind']}: {data['rule']}")
        w(f"  Default: {data['default']['note']}")
        w(f"  First reminder free: {'yes' if data['first_reminder_free'] else 'no'}")
        if data["fee_waiting_period"]:
            w(f"  Waiting period before costs: {data['fee_waiting_period']['note']}")
        for code in data["mandatory_content"]:
            w(f"  Must contain ({code}): {data['mandatory_content_text'][code]}")

    def handle_rates(self, *, rates_action, json, **options):
        if rates_action == "list":
            self._rates_list(country=options.get("country"), as_json=json)
        else:
            self._rates_import(file=options["file"], as_json=json)

    def _rates_list(self, *, country, as_json):
        code = None
        if country is not None:
            code = country.strip().upper()
            if code not in COUNTRIES:
                self._bad("--country", f"unknown country {country!r}; known: {', '.join(COUNTRIES)}",
                          as_json=as_json)  # fmt: skip
        rows = rates_list(country=code)
        if as_json:
            self.emit_json([r.as_dict() for r in rows])
            return
        w = self.stdout.write
        current = None
        for row in rows:
            if row.series != current:
                current = row.series
                w(f"{SERIES[current].title} [{current}]")
            data = row.as_dict()
            flag = "" if row.status == "confirmed" else f"  ({row.status}: {row.note})"
            w(f"  {data['valid_from']} … {data['valid_to'] or 'open':<10}  {data['rate']:>7} %{flag}")

    def _rates_import(self, *, file, as_json):
        path = Path(file)
        if not path.is_file():
            self._bad("FILE", f"{file}: no such file", as_json=as_json)
        try:
            # The file's format comes from its name or first character; --json is the report's.
            report = rates_import_file(path=path)
        except RateFileInvalid as exc:
            if as_json:
                self.emit_json({"error": exc.as_dict()})
            else:
                for e in exc.errors:
                    column = f", column {e['column']!r}" if e["column"] else ""
                    self.stderr.write(f"  line {e['line']}{column}: {e['value']!r} — {e['message']}")
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from exc
        if as_json:
            self.emit_json(report.as_dict())
            return
        self.stdout.write(
            f"{report.file}: {report.rows} rows — {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
