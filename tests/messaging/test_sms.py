"""SMS: GSM-7/UCS-2 segment counting and the Twilio adapter against a local fake server."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tact.messaging.channels.sms import LogSmsProvider, TwilioSmsProvider, sms_clean, sms_info
from tact.messaging.errors import ProviderError


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),  # 153 + 8
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # the euro sign is an extension character: two septets
        ("€" * 81, "gsm7", 162, 2),
        ("[x]" * 40, "gsm7", 200, 2),
        ("Grüße aus Köln, 12,50 € für Rechnung 4711.", "gsm7", 43, 1),
        ("ç" * 70, "ucs2", 70, 1),
        ("ç" + "a" * 70, "ucs2", 71, 2),  # 67 + 4
        ("Merci 😀", "ucs2", 8, 1),  # an emoji is a surrogate pair: two UTF-16 units
        ("a" * 69 + "😀", "ucs2", 71, 2),
    ],
)
def test_encoding_units_and_segments(text, encoding, units, segments):
    info = sms_info(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)
    assert "".join(info.parts) == text


def test_a_part_never_splits_an_escape_pair_or_a_surrogate_pair():
    gsm = sms_info("a" * 152 + "€" + "b" * 10)  # 165 septets: two parts of at most 153
    assert [len(p) for p in gsm.parts] == [152, 11]
    ucs = sms_info("ç" + "a" * 65 + "😀" + "b" * 10)  # 78 units: parts of at most 67
    assert ucs.parts == ("ç" + "a" * 65, "😀" + "b" * 10)


def test_french_amounts_are_cleaned_to_gsm7():
    text = "Montant : 1\u202f428,00\u00a0€ – merci"
    assert sms_info(text).encoding == "ucs2"
    cleaned = sms_clean(text)
    assert cleaned == "Montant : 1 428,00 € - merci"
    assert sms_info(cleaned).encoding == "gsm7"


# --- Twilio against a fake server on 127.0.0.1 --------------------------------------------

ACCOUNT = "AC" + "0" * 32
# The documented answer of "Create a Message resource" (fields trimmed to those we read and a few more).
CREATED = {
    "account_sid": ACCOUNT,
    "api_version": "2010-04-01",
    "body": "",
    "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
    "direction": "outbound-api",
    "error_code": None,
    "error_message": None,
    "from": "+14155552345",
    "num_media": "0",
    "num_segments": "1",
    "price": None,
    "sid": "SM" + "1" * 32,
    "status": "queued",
    "to": "+491701234567",
    "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'1' * 32}.json",
}


class FakeTwilio:
    def __init__(self):
        self.requests = []
        self.answer = (201, CREATED)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length).decode()
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "form": dict(urllib.parse.parse_qsl(body)),
                    }
                )
                status, payload = fake.answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


def provider(fake):
    return TwilioSmsProvider(account_sid=ACCOUNT, auth_token="secret-token", base_url=fake.url, timeout=5)


def test_twilio_gets_the_documented_request_and_we_read_its_answer(twilio):
    receipt = provider(twilio).send(to="+491701234567", text="Grüße, 12 €", sender="ACME", reference="k1")
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert (
        request["headers"]["Authorization"]
        == "Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDpzZWNyZXQtdG9rZW4="
    )
    assert request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert request["form"] == {"To": "+491701234567", "From": "ACME", "Body": "Grüße, 12 €"}
    assert (receipt.provider, receipt.provider_id, receipt.status, receipt.segments) == (
        "twilio",
        CREATED["sid"],
        "queued",
        1,
    )


def test_a_bad_number_is_a_permanent_error(twilio):
    twilio.answer = (400, {"code": 21211, "message": "The 'To' number +4900 is not a valid phone number.",
                           "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})  # fmt: skip
    with pytest.raises(ProviderError) as caught:
        provider(twilio).send(to="+4900", text="x", sender="ACME", reference="k2")
    assert caught.value.transient is False and caught.value.provider_code == "21211"
    assert "invalid 'To' number" in caught.value.message


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_server_errors_are_transient(twilio, status):
    twilio.answer = (status, {"code": 20429, "message": "Too Many Requests", "status": status})
    with pytest.raises(ProviderError) as caught:
        provider(twilio).send(to="+491701234567", text="x", sender="ACME", reference="k3")
    assert caught.value.transient is True


def test_no_server_at_all_is_transient():
    fake = FakeTwilio()
    url = fake.url
    fake.close()
    with pytest.raises(ProviderError) as caught:
        TwilioSmsProvider(account_sid=ACCOUNT, auth_token="t", base_url=url, timeout=2).send(
            to="+491701234567", text="x", sender="ACME", reference="k4"
        )
    assert caught.value.transient is True


def test_the_log_provider_keeps_what_it_would_have_sent():
    log = LogSmsProvider()
    receipt = log.send(to="+31612345678", text="a" * 200, sender="ACME", reference="k5")
    assert (receipt.status, receipt.segments) == ("logged", 2)
    assert log.sent == [{"to": "+31612345678", "text": "a" * 200, "sender": "ACME", "reference": "k5"}]
