"""The adapters' real HTTP client against a local server: what it sends, that an error
status comes back as a response, and that no answer is ProviderUnavailable."""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from tact.payments.errors import ProviderUnavailable
from tact.payments.providers.http import UrllibClient


class Echo(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(402 if body == b"refuse" else 201)
        self.end_headers()
        self.wfile.write(json.dumps({"body": body.decode(), "auth": self.headers["Authorization"]}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_the_client_sends_headers_and_body_and_returns_the_answer(server):
    response = UrllibClient(provider="stripe")("POST", f"{server}/v1/x", headers={"Authorization": "Bearer k"},
                                               body=b"a=1")  # fmt: skip
    assert (response.status, response.json()) == (201, {"body": "a=1", "auth": "Bearer k"})


def test_an_error_status_is_a_response_for_the_adapter_to_read(server):
    response = UrllibClient(provider="stripe")("POST", f"{server}/v1/x", headers={}, body=b"refuse")
    assert (response.status, response.ok) == (402, False)


def test_no_answer_is_provider_unavailable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderUnavailable):
        UrllibClient(provider="mollie", timeout=2)(
            "GET", f"http://127.0.0.1:{port}/v2/payments/tr_1", headers={}
        )


@pytest.mark.parametrize("url", ["http://api.mollie.com/v2/payments", "http://localhost.example.com/v2"])
def test_a_plain_http_api_url_is_refused(url):
    with pytest.raises(ProviderUnavailable):
        UrllibClient(provider="mollie")("GET", url, headers={})
