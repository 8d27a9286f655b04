"""An SMTP mail backend that tells the outbox the moment before a message is handed over.

SMTP hands a message over with the end-of-data line (``.``): before the server has read it,
the server discards the transaction when the connection drops; after it, the server may
have accepted the message even if its ``250`` reply never reaches us. ``HandoverSMTP``
sends the message's data, then calls ``on_data_end`` — which records the moment in the
database, guarded by the sender's claim — and only then sends the dot. If the callback
raises (the claim was lost to another sender), the dot is never sent and the connection
is dropped, so the server throws the message away.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_LEADING_DOT = re.compile(rb"(?m)^\.")


class _Handover:
    on_data_end: Callable[[], None] | None = None

    def data(self, msg):  # the same contract as smtplib.SMTP.data, with the callback before the dot
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        data = msg if isinstance(msg, bytes) else msg.encode("ascii")
        data = _LEADING_DOT.sub(b"..", data)  # RFC 5321 §4.5.2 transparency
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        self.send(data)
        if self.on_data_end is not None:
            self.on_data_end()
        self.send(b".\r\n")
        return self.getreply()


class HandoverSMTP(_Handover, smtplib.SMTP):
    pass


class HandoverSMTPSSL(_Handover, smtplib.SMTP_SSL):
    pass


class HandoverEmailBackend(EmailBackend):
    """Django's SMTP backend (``EMAIL_HOST``, ``EMAIL_PORT``, TLS/SSL settings honoured) on
    ``HandoverSMTP``."""

    @property
    def connection_class(self):
        return HandoverSMTPSSL if self.use_ssl else HandoverSMTP


class MailSession:
    """One connection for a sender's run, opened when first needed.

    With Django's SMTP backend configured the hand-over callback runs before the dot; with
    any other backend (console, file, locmem) it runs right before the hand-over.
    """

    def __init__(self, *, connection=None, **backend_options) -> None:
        """``connection``: a Django mail backend to use instead of the configured one (the
        demo's replayed history hands its past e-mails to the dummy backend)."""
        self.options = backend_options
        self.backend = connection

    @property
    def is_smtp(self) -> bool:
        return settings.EMAIL_BACKEND == SMTP_BACKEND

    def send(self, message, *, on_data_end: Callable[[], None]) -> None:
        if self.backend is None:
            self.backend = HandoverEmailBackend(**self.options) if self.is_smtp else get_connection()
        try:
            if isinstance(self.backend, HandoverEmailBackend):
                self.backend.open()
                self.backend.connection.on_data_end = on_data_end
            else:
                on_data_end()
            message.connection = self.backend
            if self.backend.send_messages([message]) != 1:
                raise smtplib.SMTPException("the mail backend sent nothing")
        except BaseException:
            self.abandon()
            raise

    def abandon(self) -> None:
        """Drop the connection without QUIT: mid-DATA, a QUIT would be read as data."""
        backend = self.backend
        self.backend = None
        connection = getattr(backend, "connection", None)
        if connection is not None:
            try:
                connection.close()
            except OSError:
                pass
            backend.connection = None

    def close(self) -> None:
        if self.backend is not None:
            try:
                self.backend.close()
            except (OSError, smtplib.SMTPException):
                self.abandon()
            self.backend = None
