"""The fixed words of a message in de, nl, en and fr: table headings, payment methods,
salutations and closings.

They live here rather than in the project's gettext catalogues because they are part of
what the debtor reads, chosen by the message's language (not the staff user's), and every
one of them is tested for presence in all four languages.
"""

from __future__ import annotations

LANGUAGES = ("de", "nl", "en", "fr")

# Babel locale per message language and debtor country (a Belgian reads "1.234,56 €").
LOCALES = {
    ("de", "AT"): "de_AT",
    ("de", "BE"): "de_BE",
    ("nl", "BE"): "nl_BE",
    ("fr", "BE"): "fr_BE",
    ("en", None): "en_GB",
    ("de", None): "de_DE",
    ("nl", None): "nl_NL",
    ("fr", None): "fr_FR",
}


# Between a label and its value: French sets a space before the colon.
COLON = {"de": ": ", "nl": ": ", "en": ": ", "fr": "\u00a0: "}


def locale_for(language: str, country: str) -> str:
    return LOCALES.get((language, country)) or LOCALES[(language, None)]


LABELS: dict[str, dict[str, str]] = {
    "de": {
        "invoice": "Rechnung",
        "credit_note": "Gutschrift",
        "issued_on": "Rechnungsdatum",
        "due_on": "Fällig am",
        "open_amount": "Offener Betrag",
        "days_overdue": "Tage überfällig",
        "subtotal": "Summe offener Posten",
        "total_due": "Zu zahlender Betrag",
        "interest": "Verzugszinsen",
        "collection_costs": "Mahnkosten",
        "flat_compensation": "Verzugspauschale",
        "dunning_fee": "Mahnkosten (Auslagen)",
        "basis": "Rechtsgrundlage",
        "customer_number": "Kundennummer",
        "date": "Datum",
        "contact": "Ansprechpartner",
        "phone": "Telefon",
        "email": "E-Mail",
        "page": "Seite {page} von {pages}",
        "beneficiary": "Empfänger",
        "amount": "Betrag",
        "reference": "Verwendungszweck",
        "reference_ogm": "Strukturierte Mitteilung",
        "pay_online": "Jetzt online bezahlen",
        "pay_online_text": "Online bezahlen",
        "scan_qr": "Mit Ihrer Banking-App scannen",
        "portal": "Ihre Übersicht, Ratenzahlung oder Rückfrage",
        "by_transfer": "Per Überweisung",
        "vat_id": "USt-IdNr.",
        "enterprise_number": "Unternehmensnummer",
        "managing_directors": "Geschäftsführung",
        "not_due_yet": "noch nicht fällig",
    },
    "nl": {
        "invoice": "Factuur",
        "credit_note": "Creditnota",
        "issued_on": "Factuurdatum",
        "due_on": "Vervaldatum",
        "open_amount": "Openstaand bedrag",
        "days_overdue": "Dagen over de termijn",
        "subtotal": "Totaal openstaand",
        "total_due": "Te betalen",
        "interest": "Wettelijke rente",
        "collection_costs": "Incassokosten",
        "flat_compensation": "Forfaitaire vergoeding",
        "dunning_fee": "Aanmaningskosten",
        "basis": "Grondslag",
        "customer_number": "Klantnummer",
        "date": "Datum",
        "contact": "Contactpersoon",
        "phone": "Telefoon",
        "email": "E-mail",
        "page": "Pagina {page} van {pages}",
        "beneficiary": "Begunstigde",
        "amount": "Bedrag",
        "reference": "Betalingskenmerk",
        "reference_ogm": "Gestructureerde mededeling",
        "pay_online": "Nu online betalen",
        "pay_online_text": "Online betalen",
        "scan_qr": "Scan met uw bankapp",
        "portal": "Uw overzicht, betalingsregeling of vraag",
        "by_transfer": "Per overboeking",
        "vat_id": "Btw-nummer",
        "enterprise_number": "Ondernemingsnummer",
        "managing_directors": "Directie",
        "not_due_yet": "nog niet vervallen",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "issued_on": "Invoice date",
        "due_on": "Due date",
        "open_amount": "Open amount",
        "days_overdue": "Days overdue",
        "subtotal": "Total open items",
        "total_due": "Amount to pay",
        "interest": "Statutory interest",
        "collection_costs": "Collection costs",
        "flat_compensation": "Fixed compensation",
        "dunning_fee": "Reminder costs",
        "basis": "Legal basis",
        "customer_number": "Customer number",
        "date": "Date",
        "contact": "Your contact",
        "phone": "Phone",
        "email": "E-mail",
        "page": "Page {page} of {pages}",
        "beneficiary": "Beneficiary",
        "amount": "Amount",
        "reference": "Payment reference",
        "reference_ogm": "Structured communication",
        "pay_online": "Pay online now",
        "pay_online_text": "Pay online",
        "scan_qr": "Scan with your banking app",
        "portal": "Your overview, payment plan or question",
        "by_transfer": "By bank transfer",
        "vat_id": "VAT no.",
        "enterprise_number": "Enterprise number",
        "managing_directors": "Managing directors",
        "not_due_yet": "not yet due",
    },
    "fr": {
        "invoice": "Facture",
        "credit_note": "Note de crédit",
        "issued_on": "Date de facture",
        "due_on": "Échéance",
        "open_amount": "Montant ouvert",
        "days_overdue": "Jours de retard",
        "subtotal": "Total des factures ouvertes",
        "total_due": "Montant à payer",
        "interest": "Intérêts de retard",
        "collection_costs": "Frais de recouvrement",
        "flat_compensation": "Indemnité forfaitaire",
        "dunning_fee": "Frais de rappel",
        "basis": "Base légale",
        "customer_number": "Numéro client",
        "date": "Date",
        "contact": "Votre contact",
        "phone": "Téléphone",
        "email": "E-mail",
        "page": "Page {page} sur {pages}",
        "beneficiary": "Bénéficiaire",
        "amount": "Montant",
        "reference": "Référence de paiement",
        "reference_ogm": "Communication structurée",
        "pay_online": "Payer en ligne maintenant",
        "pay_online_text": "Payer en ligne",
        "scan_qr": "Scannez avec votre app bancaire",
        "portal": "Votre aperçu, plan de paiement ou question",
        "by_transfer": "Par virement",
        "vat_id": "N° TVA",
        "enterprise_number": "Numéro d'entreprise",
        "managing_directors": "Direction",
        "not_due_yet": "pas encore échu",
    },
}

# The payment method's name, as a reader says it ("SEPA-Lastschrift", "domiciliation").
METHOD_NAMES: dict[str, dict[str, str]] = {
    "de": {
        "transfer": "Überweisung",
        "direct_debit": "SEPA-Lastschrift",
        "card": "Kreditkarte",
        "paypal": "PayPal",
        "ideal": "iDEAL",
        "bancontact": "Bancontact",
        "cash": "Barzahlung",
    },
    "nl": {
        "transfer": "overboeking",
        "direct_debit": "automatische incasso",
        "card": "creditcard",
        "paypal": "PayPal",
        "ideal": "iDEAL",
        "bancontact": "Bancontact",
        "cash": "contante betaling",
    },
    "en": {
        "transfer": "bank transfer",
        "direct_debit": "SEPA direct debit",
        "card": "card",
        "paypal": "PayPal",
        "ideal": "iDEAL",
        "bancontact": "Bancontact",
        "cash": "cash",
    },
    "fr": {
        "transfer": "virement",
        "direct_debit": "prélèvement SEPA",
        "card": "carte bancaire",
        "paypal": "PayPal",
        "ideal": "iDEAL",
        "bancontact": "Bancontact",
        "cash": "espèces",
    },
}
METHOD_NAME_OVERRIDES = {
    ("nl", "BE", "direct_debit"): "domiciliëring",
    ("fr", "BE", "direct_debit"): "domiciliation",
}

# One sentence naming the debtor's usual way to pay, per channel. A debtor who usually pays
# by direct debit is told plainly that these amounts need a transfer or an online payment,
# not promised a debit we cannot make.
METHOD_SENTENCES: dict[str, dict[str, str]] = {
    "de": {
        "transfer": "Am einfachsten überweisen Sie wie gewohnt.",
        "direct_debit": "Sonst zahlen Sie bei uns per SEPA-Lastschrift; diesen Betrag überweisen Sie bitte "
        "oder bezahlen ihn online.",
        "online": "Sie können wie gewohnt mit {method} bezahlen.",
        "cash": "Sie können überweisen oder online bezahlen.",
    },
    "nl": {
        "transfer": "Overmaken kan zoals gewoonlijk.",
        "direct_debit": "Normaal betaalt u via {method}; dit bedrag kunt u overmaken of online betalen.",
        "online": "U kunt zoals gewoonlijk met {method} betalen.",
        "cash": "U kunt overmaken of online betalen.",
    },
    "en": {
        "transfer": "The simplest way is a bank transfer, as usual.",
        "direct_debit": "You normally pay by SEPA direct debit; for this amount, please make a transfer or pay online.",
        "online": "You can pay with {method} as usual.",
        "cash": "You can pay by bank transfer or online.",
    },
    "fr": {
        "transfer": "Le plus simple est un virement, comme d'habitude.",
        "direct_debit": "Vous payez habituellement par {method} ; pour ce montant, merci d'effectuer un virement "
        "ou de payer en ligne.",
        "online": "Vous pouvez payer avec {method}, comme d'habitude.",
        "cash": "Vous pouvez payer par virement ou en ligne.",
    },
}
CHANNEL_TAILS: dict[str, dict[str, str]] = {
    "de": {
        "email": "Alle Angaben finden Sie unten.",
        "letter": "Alle Angaben und einen QR-Code für Ihre Banking-App finden Sie unten.",
    },
    "nl": {
        "email": "Alle gegevens vindt u hieronder.",
        "letter": "Alle gegevens en een QR-code voor uw bankapp vindt u hieronder.",
    },
    "en": {
        "email": "You will find all the details below.",
        "letter": "You will find all the details and a QR code for your banking app below.",
    },
    "fr": {
        "email": "Vous trouverez toutes les informations ci-dessous.",
        "letter": "Vous trouverez toutes les informations et un code QR pour votre app bancaire ci-dessous.",
    },
}

CLOSINGS: dict[str, dict[str, str]] = {
    "de": {"friendly": "Viele Grüße", "neutral": "Freundliche Grüße", "firm": "Mit freundlichen Grüßen"},
    "nl": {
        "friendly": "Hartelijke groet",
        "neutral": "Met vriendelijke groet",
        "firm": "Met vriendelijke groet",
    },
    "en": {"friendly": "Best wishes", "neutral": "Kind regards", "firm": "Yours sincerely"},
    "fr": {
        "friendly": "Bien cordialement",
        "neutral": "Cordialement",
        "firm": "Nous vous prions d'agréer nos salutations distinguées.",
    },
}

DEFAULT_ROLE = {
    "de": "Debitorenmanagement",
    "nl": "Debiteurenbeheer",
    "en": "Accounts receivable",
    "fr": "Service comptabilité clients",
}


def salutation(*, language: str, tone: str, name: str) -> str:
    """The greeting line. We rarely know a person's gender, so no "Frau"/"mevrouw" guesses."""
    name = name.strip()
    if language == "de":
        if not name:
            return "Sehr geehrte Damen und Herren,"
        return f"Hallo {name}," if tone == "friendly" else f"Guten Tag {name},"
    if language == "nl":
        return f"Beste {name}," if name else "Geachte heer, mevrouw,"
    if language == "fr":
        if not name or tone == "firm":
            return "Madame, Monsieur,"
        return f"Bonjour {name},"
    return f"Dear {name}," if name else "Dear Sir or Madam,"


def method_name(*, language: str, country: str, method: str) -> str:
    names = METHOD_NAMES[language]
    return METHOD_NAME_OVERRIDES.get((language, country, method)) or names.get(method) or names["transfer"]


def method_sentence(*, language: str, country: str, method: str, channel: str) -> str:
    sentences = METHOD_SENTENCES[language]
    if method in ("transfer", "direct_debit", "cash"):
        pattern = sentences[method]
    elif method in METHOD_NAMES[language]:
        pattern = sentences["online"]
    else:
        pattern = sentences["transfer"]
    sentence = pattern.format(method=method_name(language=language, country=country, method=method))
    tail = CHANNEL_TAILS[language].get(channel)
    return f"{sentence} {tail}" if tail else sentence


_REACH = {
    "de": {
        "email": "Antworten Sie einfach auf diese E-Mail{phone}.",
        "email_phone": " oder rufen Sie uns an: {phone}",
        "other": "Sie erreichen uns {parts}.",
        "by_phone": "telefonisch unter {phone}",
        "by_email": "per E-Mail an {email}",
        "or": " oder ",
        "portal": "Schreiben Sie uns einfach über Ihre persönliche Seite: {portal}",
    },
    "nl": {
        "email": "Beantwoord deze e-mail gewoon{phone}.",
        "email_phone": " of bel ons op {phone}",
        "other": "U bereikt ons {parts}.",
        "by_phone": "telefonisch op {phone}",
        "by_email": "per e-mail via {email}",
        "or": " of ",
        "portal": "Stuur ons gewoon een bericht via uw persoonlijke pagina: {portal}",
    },
    "en": {
        "email": "Simply reply to this e-mail{phone}.",
        "email_phone": " or call us on {phone}",
        "other": "You can reach us {parts}.",
        "by_phone": "by phone on {phone}",
        "by_email": "by e-mail at {email}",
        "or": " or ",
        "portal": "Simply send us a message through your personal page: {portal}",
    },
    "fr": {
        "email": "Il vous suffit de répondre à cet e-mail{phone}.",
        "email_phone": " ou de nous appeler au {phone}",
        "other": "Vous pouvez nous joindre {parts}.",
        "by_phone": "par téléphone au {phone}",
        "by_email": "par e-mail à l'adresse {email}",
        "or": " ou ",
        "portal": "Il vous suffit de nous écrire via votre page personnelle : {portal}",
    },
}


def reach_us(*, language: str, channel: str, phone: str, email: str, portal: str) -> str:
    """One sentence saying how to reach the creditor, for the channel the message goes by."""
    words = _REACH[language]
    if channel == "email":
        return words["email"].format(phone=words["email_phone"].format(phone=phone) if phone else "")
    parts = []
    if phone:
        parts.append(words["by_phone"].format(phone=phone))
    if email:
        parts.append(words["by_email"].format(email=email))
    if not parts:
        return words["portal"].format(portal=portal)
    return words["other"].format(parts=words["or"].join(parts))
