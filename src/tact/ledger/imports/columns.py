"""Which column of a ledger file holds which field: header names in de, nl, en and fr.

Headers are compared folded (`values.fold`: case, accents, spaces and punctuation do not
count), so ``Rechnungs-Nr.``, ``rechnungsnr`` and ``RECHNUNGS NR`` are one name. A column
mapping (our field → their header) overrides recognition for the fields it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .rows import RowError
from .values import fold


@dataclass(frozen=True)
class Field:
    name: str  # the ImportRow attribute
    label: str  # how messages name it
    aliases: tuple[str, ...]  # header names as people write them; the first ones are shown
    required: bool = False


def _field(name: str, label: str, aliases: str, required: bool = False) -> Field:
    return Field(name, label, tuple(a.strip() for a in aliases.split("|")), required)


FIELDS: tuple[Field, ...] = (
    _field(
        "invoice_number",
        "invoice number",
        "invoice_number|Rechnungsnummer|Rechnungs-Nr.|Belegnummer|Factuurnummer|Numéro de facture"
        "|invoice number|invoice no|invoice no.|invoice #|invoice|invoice id|document number"
        "|document no|Rechnungsnr|Rechnung|Re-Nr.|Beleg-Nr.|Belegnr|Beleg|Belegfeld 1"
        "|Dokumentnummer|Factuurnr|Factuur nr|Factuur|Factuurnummer|N° de facture"
        "|No de facture|Numéro facture|Facture|Référence facture",
        required=True,
    ),
    _field(
        "debtor_number",
        "debtor number",
        "customer_number|Kundennummer|Debitorennummer|Debiteurnummer|Klantnummer|Numéro client"
        "|customer number|customer no|customer no.|customer id|debtor number|debtor_number"
        "|debtor no|debtor id|account number|Kunden-Nr.|Kundennr|KdNr|Kd.-Nr.|Debitor"
        "|Debitor-Nr.|Debitorennr|Debitorenkonto|Personenkonto|Konto|Kontonummer|Debiteur"
        "|Debiteurnr|Debiteur nr|Klantnr|Klant nr|Relatienummer|Relatienr|N° client"
        "|Numéro de client|Code client|Référence client",
        required=True,
    ),
    _field(
        "debtor_name",
        "debtor name",
        "customer_name|Kunde|Name|Firma|Klantnaam|Naam|customer name|customer|debtor name"
        "|debtor_name|debtor|company|company name|Kundenname|Firmenname|Debitorname"
        "|Debitorenname|Name 1|Debiteurnaam|Bedrijfsnaam|Bedrijf|Nom|Nom du client|Nom client"
        "|Client|Raison sociale|Société",
        required=True,
    ),
    _field(
        "issued_on",
        "issue date",
        "issue_date|Rechnungsdatum|Belegdatum|Factuurdatum|Date de facture|issue date"
        "|issued on|issued_on|invoice date|document date|date|Datum|Re-Datum|Rechnungsdat."
        "|Datum factuur|Factuur datum|Date facture|Date d'émission|Date",
        required=True,
    ),
    _field(
        "due_on",
        "due date",
        "due_date|Fälligkeitsdatum|Fällig am|Vervaldatum|Échéance|due date|due on|due_on|due"
        "|payment due|date due|Fälligkeit|Fällig|Zahlbar bis|Nettofälligkeit|Fällig bis"
        "|Vervaldag|Verval|Vervaldatum factuur|Uiterste betaaldatum|Date d'échéance"
        "|Date échéance|Date limite de paiement",
        required=True,
    ),
    _field(
        "amount",
        "amount",
        "amount|Betrag|Bruttobetrag|Bedrag|Montant|gross|gross amount|gross_amount|total"
        "|total amount|invoice amount|amount incl. VAT|Brutto|Rechnungsbetrag|Gesamtbetrag"
        "|Betrag brutto|Bedrag incl. btw|Brutobedrag|Bruto|Totaal|Totaalbedrag|Factuurbedrag"
        "|Montant TTC|Montant total|Total TTC|Montant facture",
    ),
    _field(
        "open_amount",
        "open amount",
        "open_amount|Offener Betrag|Offen|Openstaand|Openstaand bedrag|open amount|open"
        "|balance|balance due|outstanding|outstanding amount|amount due|amount open|remaining"
        "|Offener Posten|OP-Betrag|Offen Betrag|Restbetrag|Saldo|Openstaand saldo|Restant"
        "|Nog te betalen|Montant ouvert|Montant restant|Reste à payer|Montant dû|Solde",
    ),
    _field(
        "currency",
        "currency",
        "currency|Währung|Valuta|Devise|currency code|curr|ccy|Währungscode|Munteenheid|Monnaie|Code devise",
    ),
    _field(
        "net_amount",
        "net amount",
        "net_amount|Nettobetrag|Netto|Bedrag excl. btw|Montant HT|net|net amount"
        "|amount excl. VAT|Betrag netto|Nettobedrag|Netto bedrag|Total HT|Montant hors taxes",
    ),
    _field(
        "vat_amount",
        "VAT amount",
        "vat_amount|MwSt|USt|BTW|TVA|VAT|VAT amount|tax|tax amount|MwSt.-Betrag|USt-Betrag"
        "|Umsatzsteuer|Mehrwertsteuer|Steuer|Steuerbetrag|BTW-bedrag|BTW bedrag|Montant TVA"
        "|Montant de la TVA",
    ),
    _field(
        "order_reference",
        "order reference",
        "order_reference|Bestellnummer|Auftragsnummer|Ordernummer|Référence commande"
        "|order reference|order number|order no|purchase order|PO number|PO|Bestellung"
        "|Bestell-Nr.|Auftrag|Auftrags-Nr.|Ihre Bestellung|Bestellreferenz|Bestelnummer"
        "|Inkoopordernummer|Order|Numéro de commande|N° de commande|Bon de commande",
    ),
    _field(
        "vat_id",
        "VAT id",
        "vat_id|USt-IdNr.|BTW-nummer|Numéro de TVA|VAT id|VAT number|VAT no|VAT reg no"
        "|VAT registration number|USt-ID|UStId|USt-IdNr|Umsatzsteuer-ID"
        "|Umsatzsteuer-Identifikationsnummer|USt-Ident-Nr.|BTW-nr|BTW nr|Btw-id|BTW-id"
        "|N° TVA|Numéro TVA|TVA intracommunautaire|Numéro de TVA intracommunautaire",
    ),
    _field(
        "email",
        "e-mail",
        "email|E-Mail|E-mailadres|e-mail address|email address|mail|E-Mail-Adresse|Emailadres"
        "|Adresse e-mail|Adresse électronique|Courriel",
    ),
    _field(
        "phone",
        "phone",
        "phone|Telefon|Telefoon|Téléphone|phone number|telephone|tel|Telefonnummer|Tel."
        "|Telefoonnummer|Tél.|Numéro de téléphone",
    ),
    _field(
        "country",
        "country",
        "country|Land|Pays|country code|Ländercode|Landcode|Landeskennzeichen|Code pays",
    ),
    _field(
        "language",
        "language",
        "language|Sprache|Taal|Langue|lang|Korrespondenzsprache|Kommunikationssprache"
        "|Voertaal|Langue de correspondance",
    ),
    _field(
        "kind",
        "kind (B2B/B2C)",
        "kind|B2B/B2C|customer type|customer kind|debtor kind|B2B|B2C|Kundenart|Kundentyp"
        "|Kundengruppe B2B/B2C|Klanttype|Soort klant|Klantsoort|Zakelijk/particulier"
        "|Type de client|Type client",
    ),
    _field(
        "contact_name",
        "contact name",
        "contact_name|Ansprechpartner|Contactpersoon|Interlocuteur|contact|contact person"
        "|contact name|attention|attn|Kontakt|Kontaktperson|Ansprechpartnerin|Contact"
        "|Personne de contact|Nom du contact",
    ),
    _field(
        "street",
        "street",
        "street|Straße|Straat|Rue|address|street address|address line 1|Strasse|Str."
        "|Straße und Hausnummer|Anschrift|Adresse|Adres|Straatnaam|Straat en huisnummer"
        "|Adresse postale",
    ),
    _field(
        "postal_code",
        "postal code",
        "postal_code|PLZ|Postcode|Code postal|postal code|zip|zip code|postleitzahl|CP|NPA",
    ),
    _field(
        "city",
        "city",
        "city|Ort|Plaats|Ville|town|Stadt|Wohnort|Woonplaats|Stad|Localité|Commune",
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}

# Other names a saved mapping may use for our fields (ColumnMapping's documented keys).
FIELD_KEYS = {
    "issue_date": "issued_on",
    "due_date": "due_on",
    "customer_number": "debtor_number",
    "customer_name": "debtor_name",
    "gross_amount": "amount",
    "vat": "vat_amount",
    "net": "net_amount",
    "open": "open_amount",
    "contact": "contact_name",
    "zip": "postal_code",
}

ALIASES: dict[str, str] = {}
for _f in FIELDS:
    for _alias in _f.aliases:
        ALIASES.setdefault(fold(_alias), _f.name)

# A header may carry a unit the aliases do not: "Betrag (EUR)", "Amount in €", "Saldo EUR".
_UNIT = re.compile(r"\s*(?:\((?:in\s+)?(?:eur|€|euro)\)|\[(?:eur|€)\]|(?:in\s+)?(?:eur|€|euro))\s*$", re.I)


def field_for_header(header: str) -> str | None:
    name = ALIASES.get(fold(header))
    if name is None:
        stripped = _UNIT.sub("", header)
        if stripped and stripped != header:
            name = ALIASES.get(fold(stripped))
    return name


def field_key(key: str) -> str | None:
    """Our field for a key of a column mapping: ``due_on`` or its alias ``due_date``."""
    key = key.strip()
    if key in FIELDS_BY_NAME:
        return key
    return FIELD_KEYS.get(key)


def accepted_names(name: str, limit: int = 8) -> str:
    aliases = FIELDS_BY_NAME[name].aliases
    shown = ", ".join(aliases[:limit])
    return shown + (", …" if len(aliases) > limit else "")


@dataclass
class Columns:
    """The outcome of matching a header row: field → column position and header text."""

    index: dict[str, int]
    headers: dict[str, str]
    errors: list[RowError]

    @property
    def recognised(self) -> int:
        return len(self.index)


def match_headers(headers: list[str], *, line: int, mapping: dict[str, str] | None = None) -> Columns:
    """Find each field's column. Every problem is a `RowError` on the header ``line``.

    A mapped field takes the column the mapping names (or none, when mapped to ""); the
    other fields are recognised by their aliases; a field two columns claim is an error,
    as is a required field no column holds.
    """
    errors: list[RowError] = []
    index: dict[str, int] = {}
    folded = [fold(h) for h in headers]
    taken: set[int] = set()
    mapped: set[str] = set()
    for key, wanted in (mapping or {}).items():
        name = field_key(str(key))
        if name is None:
            known = ", ".join(f.name for f in FIELDS)
            errors.append(
                RowError(line, "", str(key), f"unknown field in the column mapping: expected one of {known}")
            )
            continue
        mapped.add(name)
        if wanted is None or not str(wanted).strip():
            continue  # mapped to nothing: the file's column for it, if any, is ignored
        target = fold(str(wanted))
        hits = [i for i, f in enumerate(folded) if f == target]
        if not hits:
            errors.append(
                RowError(
                    line,
                    str(wanted),
                    "",
                    f"the column mapping reads the {FIELDS_BY_NAME[name].label} from the column "
                    f"{wanted!r}, but the file has no such column; its columns are: "
                    + ", ".join(h for h in headers if h)[:500],
                )
            )
            continue
        if len(hits) > 1:
            errors.append(_twice(line, name, [headers[i] for i in hits]))
            continue
        index[name] = hits[0]
        taken.add(hits[0])
    claims: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        if i in taken or not folded[i]:
            continue
        name = field_for_header(header)
        if name is not None and name not in mapped:
            claims.setdefault(name, []).append(i)
    for name, positions in claims.items():
        if len(positions) > 1:
            errors.append(_twice(line, name, [headers[i] for i in positions]))
        else:
            index[name] = positions[0]
    for f in FIELDS:
        if f.required and f.name not in index and f.name not in claims:
            errors.append(_missing(line, f.name))
    if "amount" not in index and "open_amount" not in index and "amount" not in claims:
        if "open_amount" not in claims:
            errors.append(_missing(line, "amount", also="open_amount"))
    return Columns(index=index, headers={n: headers[i] for n, i in index.items()}, errors=errors)


def _twice(line: int, name: str, headers: list[str]) -> RowError:
    label = FIELDS_BY_NAME[name].label
    listed = " and ".join(repr(h) for h in headers)
    return RowError(
        line,
        headers[-1],
        headers[-1],
        f"more than one column holds the {label}: {listed}; rename one, or save a column "
        f"mapping that says which to use",
    )


def _missing(line: int, name: str, also: str | None = None) -> RowError:
    label = FIELDS_BY_NAME[name].label
    message = f"no column for the {label}: expected a header such as {accepted_names(name)}"
    if also:
        other = FIELDS_BY_NAME[also].label
        message += f" (or, for the {other}, {accepted_names(also, 5)})"
    return RowError(line, "", "", message + "; or save a column mapping for this layout")
