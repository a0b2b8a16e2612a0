"""Webhook deliveries, signed the Standard Webhooks way with the engine's persistent secret.

One delivery thread per prediction that has a webhook keeps the events in order, coalesces
`output`/`logs` to at most one per 500 ms, and sends the subscribed ones of `start` and
`completed`. Events are filtered by the subscription as they arrive, before throttling, so a
`logs`-only webhook is not starved by `output` events pending at the same moment. Failed
deliveries are retried with backoff under the same `webhook-id`; redirects are not followed.

Webhook URLs get the same address check as URL inputs (`fetch`): a private, loopback or
link-local destination is refused where the connection opens (resolved once, connected to the
checked address), unless the engine runs with `--allow-private-urls`. A refused delivery is
logged in one line; the prediction itself runs as usual.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from typing import TYPE_CHECKING

import httpx

from .fetch import FetchError, public_only_transport

if TYPE_CHECKING:
    from .jobs import Job
    from .store import Store

EVENTS = ("start", "output", "logs", "completed")
MIN_INTERVAL = 0.5
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
PROGRESS = ("output", "logs")  # the throttled events
log = logging.getLogger("playground.engine")


def load_secret(store: Store) -> str:
    secret = store.get_kv("webhook_secret")
    if not secret:
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        store.set_kv("webhook_secret", secret)
    return secret


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    payload = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, payload, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class _Delivery:
    def __init__(self, sender: WebhookSender, job: Job, url: str, wanted: set[str]) -> None:
        self.sender = sender
        self.job = job
        self.url = url
        self.wanted = wanted
        self.pending: set[str] = set()
        self.start_body: dict[str, object] | None = None
        self.cond = threading.Condition()
        self.last_progress = 0.0
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name=f"webhook-{job.id}")
        self.thread.start()

    def add(self, kind: str, body: dict[str, object] | None = None) -> None:
        # `completed` is always queued (it ends the thread); the others only if subscribed
        if kind != "completed" and kind not in self.wanted:
            return
        with self.cond:
            if kind == "start":
                self.start_body = body
            self.pending.add(kind)
            self.cond.notify()

    def _next(self) -> str:
        with self.cond:
            while True:
                if "start" in self.pending:
                    self.pending.discard("start")
                    return "start"
                if "completed" in self.pending:
                    self.pending.clear()  # the completed body carries all output and logs
                    return "completed"
                if self.pending:
                    wait = self.last_progress + MIN_INTERVAL - time.monotonic()
                    if wait <= 0:
                        # one delivery carries the whole prediction, so one is enough
                        # for both; each pending kind is a subscribed one
                        kind = "output" if "output" in self.pending else "logs"
                        self.pending.difference_update(PROGRESS)
                        self.last_progress = time.monotonic()
                        return kind
                    self.cond.wait(wait)
                else:
                    self.cond.wait()

    def _loop(self) -> None:
        refused = False
        while True:
            kind = self._next()
            if kind in self.wanted and not refused:
                # `start` shows the prediction as created; the others its latest state
                body = self.start_body if kind == "start" and self.start_body else None
                refused = self.sender.deliver(self.url, body or self.job.public()) is None
            if kind == "completed":
                return


class WebhookSender:
    def __init__(self, secret: str, allow_private_urls: bool = False) -> None:
        self.secret = secret
        self._deliveries: dict[str, _Delivery] = {}
        self._lock = threading.Lock()
        transport = None if allow_private_urls else public_only_transport()
        self._client = httpx.Client(follow_redirects=False, timeout=10.0, transport=transport,
                                    trust_env=allow_private_urls)

    def event(self, job: Job, kind: str) -> None:
        url = job.rec.get("webhook")
        if not url:
            return
        with self._lock:
            delivery = self._deliveries.get(job.id)
            if delivery is None:
                wanted = set(job.rec.get("webhook_events_filter") or EVENTS)
                delivery = self._deliveries[job.id] = _Delivery(self, job, url, wanted)
            if kind == "completed":
                self._deliveries.pop(job.id, None)
        delivery.add(kind, job.public() if kind == "start" else None)

    def deliver(self, url: str, payload: dict[str, object]) -> bool | None:
        """True when delivered, False when it failed, None when the address was refused."""
        body = json.dumps(payload).encode()
        msg_id = "msg_" + secrets.token_hex(12)
        for delay in (0.0, *BACKOFF):
            if delay:
                time.sleep(delay)
            ts = int(time.time())
            headers = {
                "content-type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(ts),
                "webhook-signature": sign(self.secret, msg_id, ts, body),
                "user-agent": "playground-engine",
            }
            try:
                resp = self._client.post(url, content=body, headers=headers)
            except FetchError:  # a private address: retrying cannot help
                log.warning("engine: webhook to %s refused: it is a private or loopback address "
                            "(the engine calls those only with --allow-private-urls)",
                            httpx.URL(url).host)
                return None
            except (httpx.HTTPError, ValueError):
                continue
            if resp.is_success:
                return True
            if resp.is_redirect or (400 <= resp.status_code < 500 and resp.status_code != 429):
                return False  # retrying cannot help (and redirects are not followed)
        return False

    def close(self) -> None:
        self._client.close()
