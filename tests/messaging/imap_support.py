"""A tiny IMAP4rev1 server for the tests: enough of RFC 3501 for ``imaplib`` to log in,
select a folder, search unseen mail, fetch it with BODY.PEEK[] and flag it seen."""

from __future__ import annotations

import re
import socketserver
import threading


class Mailbox:
    def __init__(self, *, user: str = "inbox@acme.example", password: str = "s3cret pass") -> None:
        self.user, self.password = user, password
        self.messages: list[dict] = []  # {"uid", "raw", "seen"}
        self.commands: list[str] = []
        self.lock = threading.Lock()

    def add(self, raw: bytes, *, seen: bool = False) -> int:
        with self.lock:
            uid = len(self.messages) + 1
            self.messages.append({"uid": uid, "raw": raw, "seen": seen})
            return uid

    def unseen(self) -> list[int]:
        return [m["uid"] for m in self.messages if not m["seen"]]


def _args(line: str) -> list[str]:
    return [
        a[1:-1].replace('\\"', '"') if a.startswith('"') else a
        for a in re.findall(r'"(?:[^"\\]|\\.)*"|\S+', line)
    ]


class _Handler(socketserver.StreamRequestHandler):
    def send(self, data: bytes | str) -> None:
        self.wfile.write(data.encode() if isinstance(data, str) else data)
        self.wfile.flush()

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox  # type: ignore[attr-defined]
        authed = False
        self.send("* OK [CAPABILITY IMAP4rev1] tact test IMAP ready\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            box.commands.append(re.sub(r"(LOGIN \S+) .*", r"\1 ***", text, flags=re.IGNORECASE))
            tag, _, rest = text.partition(" ")
            parts = _args(rest)
            command = parts[0].upper() if parts else ""
            if command == "CAPABILITY":
                self.send(f"* CAPABILITY IMAP4rev1\r\n{tag} OK CAPABILITY completed\r\n")
            elif command == "LOGIN":
                if parts[1:3] == [box.user, box.password]:
                    authed = True
                    self.send(f"{tag} OK LOGIN completed\r\n")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
            elif command == "LOGOUT":
                self.send(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n")
                return
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed\r\n")
            elif not authed:
                self.send(f"{tag} NO not logged in\r\n")
            elif command in ("SELECT", "EXAMINE"):
                if parts[1].upper() != "INBOX":
                    self.send(f"{tag} NO [NONEXISTENT] no folder {parts[1]}\r\n")
                    continue
                self.send(f"* {len(box.messages)} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n"
                          f"{tag} OK [READ-WRITE] SELECT completed\r\n")  # fmt: skip
            elif command == "UID" and parts[1].upper() == "SEARCH":
                uids = " ".join(str(u) for u in box.unseen())
                self.send(
                    f"* SEARCH {uids}\r\n{tag} OK SEARCH completed\r\n".replace("SEARCH \r\n", "SEARCH\r\n")
                )
            elif command == "UID" and parts[1].upper() == "FETCH":
                uid = int(parts[2])
                found = next((m for m in box.messages if m["uid"] == uid), None)
                if found is not None:
                    seq = box.messages.index(found) + 1
                    raw = found["raw"]
                    self.send(f"* {seq} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode() + raw + b")\r\n")
                self.send(f"{tag} OK FETCH completed\r\n")
            elif command == "UID" and parts[1].upper() == "STORE":
                uid = int(parts[2])
                for seq, message in enumerate(box.messages, 1):
                    if message["uid"] == uid:
                        message["seen"] = True
                        self.send(f"* {seq} FETCH (UID {uid} FLAGS (\\Seen))\r\n")
                self.send(f"{tag} OK STORE completed\r\n")
            else:
                self.send(f"{tag} BAD unknown command\r\n")


class ImapServer:
    def __init__(self, mailbox: Mailbox) -> None:
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.mailbox = mailbox  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
