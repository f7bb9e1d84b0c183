"""The first step of a turn (vrt/channels/turn.py): a per-client rate limit.

Measured (issue 25): with `make run` (one Rasa server, no nginx in front) one client sending
64 requests/s left the other residents answered, but at 5 times their usual p95. So before
anything costs work (the privacy gate, Rasa, the tracker store), each message takes a token
from two token buckets: one of its sender id and one of its client address. When either is
empty the turn ends here: no Rasa call, nothing stored; the resident gets utter_te_snel,
Dutch and English (domain.yml), and, over REST, HTTP 429 with Retry-After (vrt/channels/transports.py).

Options in credentials.yml, per channel (a burst of N messages, then R per second):

  rate_sender_burst    10   per sender id: a fast typist sends a message every 2-3 s at most,
  rate_sender_per_s    1.0  and a button row of quick clicks is a handful; 10 at once and 1 a
                            second after that is never reached by hand, but stops a script.
  rate_address_burst   30   per client address: higher, since many residents can share one
  rate_address_per_s   3.0  address (a care home, a school, mobile NAT); still well under the
                            64/s flood that was measured.
  rate_max_buckets     10000  at most this many buckets per kind; the least recently used
                            goes first, so a flood of new sender ids cannot grow memory.

A bucket that is full again after idling holds nothing a new one would not, so it is
evicted (on use of the limiter, at most once per second). A rate of 0 turns that limit off;
the environment variable VRT_RATE_LIMIT=off turns both off (the benchmarks, whose scripted
residents send 50 turns back to back, measure the bot, not this limit).

The client address is the TCP peer unless Sanic is told to trust a proxy's X-Forwarded-For
(README, "Safe to expose"). A loopback address has no per-address limit: it is a proxy on
the same machine (nginx of `make run-cluster`) or the machine's own tools, which speak for
many residents; their per-sender limit still holds.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from vrt.nlu.language import every_variation

if TYPE_CHECKING:
    from vrt.channels.turn import Pipeline, Rest, Turn

logger = logging.getLogger(__name__)

RESPONSE = "utter_te_snel"
DEFAULTS = {
    "rate_sender_burst": 10,
    "rate_sender_per_s": 1.0,
    "rate_address_burst": 30,
    "rate_address_per_s": 3.0,
    "rate_max_buckets": 10_000,
}
OPTIONS = tuple(DEFAULTS)

Clock = Callable[[], float]


@dataclass
class Bucket:
    tokens: float
    updated: float


class Limiter:
    """Token buckets by key: `burst` tokens at most, refilled at `per_second`; bounded memory."""

    def __init__(
        self, burst: float, per_second: float, max_buckets: int, clock: Clock = time.monotonic
    ) -> None:
        self.burst = float(burst)
        self.per_second = float(per_second)
        self.max_buckets = max(1, int(max_buckets))
        self.clock = clock
        self.buckets: "OrderedDict[str, Bucket]" = OrderedDict()  # least recently used first
        self._swept = clock()

    @property
    def enabled(self) -> bool:
        return self.per_second > 0 and self.burst > 0

    def _level(self, bucket: Bucket, now: float) -> float:
        return min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)

    def take(self, key: str) -> float:
        """Takes one token of `key`'s bucket: 0.0 when there was one, else the seconds until
        there is one (nothing is taken then)."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        self._evict_idle(now)
        bucket = self.buckets.pop(key, None) or Bucket(self.burst, now)
        bucket.tokens, bucket.updated = self._level(bucket, now), now
        self.buckets[key] = bucket  # now the most recently used
        while len(self.buckets) > self.max_buckets:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def _evict_idle(self, now: float) -> None:
        """Drops buckets that are full again (from the least recently used on)."""
        if now - self._swept < 1:
            return
        self._swept = now
        while self.buckets:
            key, bucket = next(iter(self.buckets.items()))
            if self._level(bucket, now) < self.burst:
                break  # cheap: stop at the first one still in use; the cap bounds the rest
            del self.buckets[key]


class RateLimit:
    """One channel's limits: per sender id and per client address (the options above)."""

    def __init__(self, pipeline: Pipeline, clock: Clock = time.monotonic) -> None:
        self.pipeline = pipeline
        options = {name: pipeline.credentials.get(name, default) for name, default in DEFAULTS.items()}
        if os.environ.get("VRT_RATE_LIMIT", "on").strip().lower() == "off":
            options.update(rate_sender_per_s=0, rate_address_per_s=0)
        cap = int(options["rate_max_buckets"])
        self.senders = Limiter(options["rate_sender_burst"], options["rate_sender_per_s"], cap, clock)
        self.addresses = Limiter(options["rate_address_burst"], options["rate_address_per_s"], cap, clock)

    def over_limit(self, sender_id: str, address: Optional[str]) -> float:
        """Seconds to wait (0.0: go ahead). A message refused by one limit takes no token of the other."""
        wait = self.senders.take(sender_id)
        if wait or not address or _is_loopback(address):
            return wait
        wait = self.addresses.take(address)
        if wait and self.senders.enabled:
            self.senders.buckets[sender_id].tokens += 1  # not sent after all
        return wait

    async def __call__(self, turn: Turn, rest: Rest) -> None:
        wait = self.over_limit(turn.sender_id, turn.client_address)
        if not wait:
            await rest(turn)
            return
        turn.retry_after = max(1, math.ceil(wait))
        logger.debug(
            "Rate limit: a message refused, retry after %d s", turn.retry_after
        )  # a flood: no log flood
        # Dutch and English, as nginx's 429 (vrt/ops/nginx.py): reading the conversation's
        # language would cost a store read per refused message, which is what this step keeps a
        # flood from causing.
        try:
            for reply in every_variation(self.pipeline.app.ctx.agent.domain.responses, RESPONSE):
                await turn.output.send_response(turn.sender_id, {**reply, "utter_action": RESPONSE})
        except Exception:  # noqa: BLE001 - no model loaded yet: the 429 alone still says it
            logger.exception("The rate-limit reply could not be made")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a name (a UNIX socket, a forwarded "unknown"): limited as given
