"""The template editor: list, live preview on a real debtor, clear problems, versions, roles, tenants."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django_scopes import scope

from tact.messaging.models import MessageTemplate
from tact.messaging.services import template_save

pytestmark = pytest.mark.django_db

IDENT = ("reminder", "email", "en", "neutral")
GOOD_BODY = "{{ salutation }}\n\nInvoice {{ first_item.number }} for {{ debtor.name }} is still open.\n\n{{ signature }}"
THREAT = "If you do not pay, we will hand the case to a collection agency."


def edit_url(*ident: str) -> str:
    return reverse("workbench:template_edit", args=ident or IDENT)


def preview_url(*ident: str) -> str:
    return reverse("workbench:template_preview", args=ident or IDENT)


def own_versions(creditor) -> list[MessageTemplate]:
    with scope(creditor=creditor):
        return list(
            MessageTemplate.objects.filter(creditor=creditor, key="reminder", channel="email", language="en")
            .filter(tone="neutral")
            .order_by("version")
        )


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def draft(debtor=None, **fields) -> dict[str, str]:
    data = {"subject": "Open invoice {{ first_item.number }}", "body": GOOD_BODY, "note": ""}
    if debtor is not None:
        data["debtor"] = str(debtor.pk)
    return {**data, **fields}


def test_the_list_shows_shipped_texts_and_our_own_versions(signed_in, portfolio, creditor, manager):
    with scope(creditor=creditor):
        template_save(creditor=creditor, key="reminder", language="en", tone="neutral", channel="email",
                      subject="Invoice {{ first_item.number }}", body=GOOD_BODY, by=manager)  # fmt: skip

    everything = text_of(signed_in.get(reverse("workbench:templates")))
    ours = text_of(signed_in.get(reverse("workbench:templates"), {"only_own": "on"}))

    assert "personal_contact" in everything and "shipped" in everything
    assert ours.count('<td class="primary">') == 1
    assert "own, version 1" in ours and edit_url() in ours


def test_the_list_filters_by_language_tone_and_channel(signed_in, portfolio):
    page = text_of(
        signed_in.get(
            reverse("workbench:templates"), {"key": "final_notice", "language": "de", "channel": "letter"}
        )
    )

    assert page.count('<td class="primary">') == 3  # friendly, neutral, firm
    assert "Letzte" not in page  # the shipped texts never say "last …"


def test_the_editor_opens_with_the_shipped_text_and_a_preview_for_a_real_debtor(signed_in, portfolio):
    response = signed_in.get(edit_url(), {"debtor": portfolio.mueller.pk})
    page = text_of(response)

    assert "The text tact ships is in use" in page
    assert "<p>Dear Erika Müller,</p>" in page  # the preview greets the chosen debtor's contact
    assert "RE-1001" in page and "1,190.00" in page  # their overdue item
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in response.content.decode()  # the e-mail, escaped into its frame
    assert "debtor.name" in page  # the documented variables beside the editor


def test_the_preview_follows_the_draft_and_the_debtor(signed_in, portfolio):
    response = signed_in.post(
        preview_url(),
        draft(portfolio.bakker, body="Dear {{ debtor.name }}, item {{ first_item.number }}."),
        HTTP_HX_REQUEST="true",
    )

    page = text_of(response)
    assert response.status_code == 200
    assert "Dear Bakker Groothandel B.V., item RE-2001." in page
    assert 'data-testid="draft-ok"' in page


def test_an_unknown_variable_is_named_with_its_line(signed_in, portfolio):
    body = "{{ salutation }}\n\nYour number: {{ debtor.nummer }}\n\n{{ signature }}"

    page = text_of(signed_in.post(preview_url(), draft(portfolio.mueller, body=body)))

    assert "Text, line 3:" in page
    assert "the variable “debtor.nummer” does not exist" in page
    assert 'data-testid="preview"' not in page


def test_a_syntax_error_is_shown_with_its_line_not_a_server_error(signed_in, portfolio):
    body = "Hello\n\n{% if debtor.is_consumer %}\nDear customer"

    response = signed_in.post(preview_url(), draft(portfolio.mueller, body=body))

    assert response.status_code == 200
    assert "Text, line 3:" in text_of(response)
    assert "endif" in text_of(response)


def test_a_filter_that_fails_when_filled_in_is_shown_not_a_server_error(signed_in, portfolio):
    body = "Line one\n{{ item_count|divisibleby:0 }}"

    response = signed_in.post(preview_url(), draft(portfolio.mueller, body=body))

    assert response.status_code == 200
    assert "Text, line 2:" in text_of(response)


def test_saving_a_threat_is_refused_with_the_sentence_found(signed_in, portfolio, creditor):
    response = signed_in.post(edit_url(), draft(portfolio.mueller, body=f"{GOOD_BODY}\n\n{THREAT}"))

    page = text_of(response)
    assert response.status_code == 400
    assert "Threatens a collection agency or bailiff" in page
    assert THREAT in page
    assert own_versions(creditor) == []


def test_saving_makes_a_new_version_and_the_history_names_who_and_why(
    signed_in, portfolio, creditor, manager
):
    first = signed_in.post(edit_url(), draft(portfolio.mueller, note="shorter"))
    second = signed_in.post(
        edit_url(), draft(portfolio.mueller, body=GOOD_BODY + "\n\nThank you.", note="thanks")
    )

    versions = own_versions(creditor)
    assert first.status_code == second.status_code == 302
    assert [(v.version, v.is_current, v.note) for v in versions] == [
        (1, False, "shorter"),
        (2, True, "thanks"),
    ]
    assert versions[0].created_by == manager
    page = text_of(signed_in.get(edit_url()))
    assert "Your own text, version 2, is in use" in page
    assert "shorter" in page and "thanks" in page and manager.username in page


def test_restoring_an_old_version_saves_it_as_the_newest(signed_in, portfolio, creditor):
    signed_in.post(edit_url(), draft(portfolio.mueller))
    signed_in.post(edit_url(), draft(portfolio.mueller, body=GOOD_BODY + "\n\nThank you."))
    first = own_versions(creditor)[0]

    response = signed_in.post(reverse("workbench:template_restore", args=[*IDENT, first.pk]))

    versions = own_versions(creditor)
    assert response.status_code == 302
    assert [v.version for v in versions] == [1, 2, 3]
    assert (
        versions[-1].is_current
        and versions[-1].body == first.body
        and versions[-1].note == "restored version 1"
    )


def test_an_old_version_opens_in_the_editor(signed_in, portfolio, creditor):
    signed_in.post(edit_url(), draft(portfolio.mueller, body=GOOD_BODY + "\n\nFirst wording."))
    signed_in.post(edit_url(), draft(portfolio.mueller))
    first = own_versions(creditor)[0]

    page = text_of(signed_in.get(edit_url(), {"from": first.pk}))

    assert "You are looking at version 1" in page and "First wording." in page


def test_a_read_only_member_sees_the_editor_but_may_not_save_or_restore(
    client, member, portfolio, creditor, manager
):
    with scope(creditor=creditor):
        row = template_save(creditor=creditor, key="reminder", language="en", tone="neutral", channel="email",
                            subject="Invoice {{ first_item.number }}", body=GOOD_BODY, by=manager)  # fmt: skip
    client.force_login(member("read_only"))

    page = client.get(edit_url())
    saved = client.post(edit_url(), draft(portfolio.mueller))
    restored = client.post(reverse("workbench:template_restore", args=[*IDENT, row.pk]))
    previewed = client.post(preview_url(), draft(portfolio.mueller))

    assert page.status_code == 200 and "Save as new version" not in text_of(page)
    assert saved.status_code == restored.status_code == 403
    assert previewed.status_code == 200  # reading a preview changes nothing
    assert len(own_versions(creditor)) == 1


def test_another_creditors_debtor_cannot_be_previewed(signed_in, portfolio, other_creditor):
    with scope(creditor=other_creditor):
        from tact.ledger.models import Debtor

        rival = Debtor.objects.first()

    assert signed_in.post(preview_url(), draft(rival)).status_code == 404
    assert signed_in.get(edit_url(), {"debtor": rival.pk}).status_code == 404


def test_another_creditors_version_cannot_be_opened_or_restored(
    signed_in, portfolio, other_creditor, creditor
):
    with scope(creditor=other_creditor):
        rival = template_save(creditor=other_creditor, key="reminder", language="en", tone="neutral",
                              channel="email", subject="Rival {{ debtor.number }}", body=GOOD_BODY, by=None)  # fmt: skip

    assert signed_in.get(edit_url(), {"from": rival.pk}).status_code == 404
    assert signed_in.post(reverse("workbench:template_restore", args=[*IDENT, rival.pk])).status_code == 404
    assert own_versions(creditor) == []


@pytest.mark.parametrize(
    "ident",
    [("no_such_stage", "email", "en", "neutral"), ("reminder", "fax", "en", "neutral"),
     ("reminder", "email", "es", "neutral"), ("reminder", "email", "en", "angry")],
)  # fmt: skip
def test_an_unknown_template_address_is_not_found(signed_in, ident):
    assert signed_in.get(edit_url(*ident)).status_code == 404


def test_a_combination_not_shipped_starts_from_the_text_in_use(signed_in, portfolio):
    page = text_of(signed_in.get(edit_url("reminder", "sms", "de", "firm")))

    assert "There is no text for this combination yet" in page
    assert "Zahlungserinnerung" in page or "{{" in page  # the German neutral SMS as a start


def test_an_agent_calls_debtors_but_does_not_rewrite_the_templates(client, member, portfolio, creditor):
    client.force_login(member("agent"))

    page = client.get(edit_url())
    saved = client.post(edit_url(), draft(portfolio.mueller))

    assert page.status_code == 200 and "Save as new version" not in text_of(page)
    assert saved.status_code == 403
    assert own_versions(creditor) == []


def test_a_new_combination_opens_in_the_editor(signed_in, portfolio):
    response = signed_in.get(
        reverse("workbench:template_new"),
        {"key": "reminder", "channel": "sms", "language": "nl", "tone": "firm"},
    )
    unknown = signed_in.get(
        reverse("workbench:template_new"), {"key": "nope", "channel": "sms", "language": "nl", "tone": "firm"}
    )

    assert response.status_code == 302 and response["Location"] == edit_url("reminder", "sms", "nl", "firm")
    assert unknown.status_code == 404


def test_a_key_only_a_stage_names_can_get_its_first_text(signed_in, portfolio, creditor, manager):
    from tact.dunning.models import Stage
    from tact.dunning.services import policy_presets_install

    with scope(creditor=creditor):
        policy_presets_install(creditor=creditor)
        Stage.objects.filter(key="plan_offer").update(template_key="plan_offer_b2b")
    body = "{{ salutation }}\n\nWe can split {{ totals.due }} into instalments.\n\n{{ signature }}"

    page = text_of(signed_in.get(edit_url("plan_offer_b2b", "email", "de", "neutral")))
    saved = signed_in.post(
        edit_url("plan_offer_b2b", "email", "de", "neutral"), draft(portfolio.mueller, body=body)
    )

    assert "There is no text for this combination yet." in page
    assert saved.status_code == 302


def test_an_unknown_variable_inside_a_tag_is_named_too(signed_in, portfolio, creditor):
    body = (
        "{{ salutation }}\n\n{% if debtor.is_consumr %}As a private customer …{% endif %}\n\n{{ signature }}"
    )

    response = signed_in.post(edit_url(), draft(portfolio.mueller, body=body))

    assert response.status_code == 400
    assert "Text, line 3:" in text_of(response) and "“debtor.is_consumr” does not exist" in text_of(response)
    assert own_versions(creditor) == []


def test_a_letter_is_previewed_in_its_window_envelope_layout(signed_in, portfolio, creditor):
    from tact.ledger.models import Contact

    with scope(creditor=creditor):
        Contact.objects.filter(debtor=portfolio.mueller).update(
            street="Werkstraße 5", postal_code="10115", city="Berlin"
        )

    response = signed_in.get(
        edit_url("reminder", "letter", "de", "neutral"), {"debtor": portfolio.mueller.pk}
    )
    without_address = signed_in.get(
        edit_url("reminder", "letter", "de", "neutral"), {"debtor": portfolio.bakker.pk}
    )

    page = text_of(response)
    assert 'class="address-field"' in page and "Werkstraße 5" in page and "10115 Berlin" in page
    assert 'class="address-field"' not in text_of(without_address)  # no postal address: the words only
    assert "Zahlungserinnerung" in text_of(without_address)
