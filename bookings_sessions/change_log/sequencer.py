"""The change sequencer: every process runs one and contends for the lease; the holder numbers the
entries its writers hinted at (all of them after taking the lease and every `scan_every`) into
`changes`, commits the highest number, and prunes where the store has no TTL index. docs/design.md §9.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.changes import Change
from ..notifications.delivery import dispatcher_id
from ..notifications.rounds import run_rounds
from ..settings import Settings
from ..storage.capabilities import StoreCapabilities
from ..storage.change_log import ChangeLogStore, Lease, LostLease
from ..storage.clock import utc_now
from ..storage.pending import Handoff

log = logging.getLogger("bookings_sessions.changes")

# Hinted documents one round reads.
BATCH = 100
# Retention is in days, so pruning hourly keeps `changes` as short; and on FerretDB each prune decodes the
# whole collection, which every minute took turns from requests (docs/performance.md, "The change log is
# pruned hourly").
PRUNE_EVERY = timedelta(hours=1)
RELEASE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class SequencerConfig:
    poll_seconds: float
    lease: timedelta
    retention: timedelta
    scan_every: timedelta
    batch: int = BATCH

    @classmethod
    def from_settings(cls, settings: Settings) -> SequencerConfig:
        return cls(
            poll_seconds=settings.changes_poll_seconds,
            lease=timedelta(seconds=settings.changes_lease_seconds),
            retention=timedelta(days=settings.changes_retention_days),
            scan_every=timedelta(seconds=settings.pending_scan_seconds),
        )


class Sequencer:
    def __init__(
        self,
        store: ChangeLogStore,
        config: SequencerConfig,
        *,
        owner: str | None = None,
        prune: bool = False,
        on_moved: Callable[[list[Change]], Awaitable[None]] | None = None,
        handoff: Handoff | None = None,
    ) -> None:
        self.store = store
        # This process's writers hand their hints here while this sequencer holds the lease.
        self.handoff = handoff
        if handoff is not None:
            handoff.follow(store)  # its writers trim with this sequencer's marks
        self.config = config
        self.owner = owner or dispatcher_id()
        self.prune = prune
        self.on_moved = on_moved
        self.held: Lease | None = None
        self._renew_at: datetime | None = None
        self._next_number = 0
        self._pruned_at: datetime | None = None
        self._scanned_at: datetime | None = None

    async def run(self) -> None:
        """Until cancelled; then the lease is given back so another process takes over at once."""
        try:
            await run_rounds(
                self._round,
                poll_seconds=self.config.poll_seconds,
                log=log,
                what="change sequencer",
                after_failure=self._scan_next_round,
            )
        finally:
            if self.handoff is not None:
                self.handoff.open = False  # the next holder scans every session when it takes over
            if self.held is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._let_go(self.held), RELEASE_TIMEOUT_SECONDS)

    async def _round(self) -> bool:
        """One round; True when hints are left for the next, which then follows at once. Otherwise
        it waits for the poll, so that under a steady load a round numbers what many writes left
        (one insert and one commit for them all) rather than one write's."""
        try:
            return await self.step() and self.store.backlog
        except LostLease as error:
            log.warning("change sequencer %s lost its lease: %s", self.owner, error)
            self.held = None
            # Still true without the lease, and they spare the next holder copies; a failure here must
            # not end the loop (the next holder copies those entries again).
            with contextlib.suppress(Exception):
                await self.store.store_marks()
            await self._close_handoff()
            return False

    def _scan_next_round(self) -> None:
        # Hints a failed round took may not have been followed: look through everything next round.
        self._scanned_at = None

    async def step(self) -> bool:
        """One round; True when it moved something."""
        if not await self._hold_lease():
            await self._close_handoff()
            return False
        if self.handoff is not None:
            self.handoff.open = True
        now = utc_now()
        scan = self._scanned_at is None or now - self._scanned_at >= self.config.scan_every
        moved = await self.store.move(
            self._next_number,
            limit=self.config.batch,
            scan=scan,
            handoff=self.handoff,
            keep_lease=self._keep_lease,
        )
        if scan:
            self._scanned_at = now
        if moved:
            last = moved[-1].sequence
            assert last is not None
            self._next_number = last + 1
            if self.on_moved is not None:
                await self.on_moved(moved)
        await self._prune_if_due()
        return bool(moved)

    async def _let_go(self, held: Lease) -> None:
        """The lease first, so the next holder need not wait for it to run out; then the marks only this
        holder knows (still true), so the next one copies nothing again (what is not stored in time
        costs it copies the unique (sessionId, revision) skips)."""
        await self.store.release(held, now=utc_now())
        await self.store.store_marks()

    async def _close_handoff(self) -> None:
        """Without the lease, this process's writers leave stored hints again; what they handed over
        meanwhile becomes stored hints too (the new holder may have scanned before those writes)."""
        if self.handoff is not None:
            self.handoff.open = False
            if self.handoff.waiting:
                await self.store.pending.drain(self.handoff)

    async def _hold_lease(self) -> bool:
        if self.held is not None and await self._renewed():
            return True
        now = utc_now()
        self.held = await self.store.acquire(self.owner, now=now, lease=self.config.lease)
        if self.held is None:
            return False
        # A new holder starts after the highest number anyone used, and makes readable what a holder
        # stopped between its inserts and its commit left behind.
        last = await self.store.last_number()
        await self.store.commit(last)
        self._next_number = last + 1
        # And looks through every session once: a writer may have died before leaving its hint.
        self._scanned_at = None
        self._renew_at = now + self.config.lease / 3
        log.info("change sequencer %s holds the lease (generation %d)", self.owner, self.held.generation)
        return True

    async def _renewed(self) -> bool:
        """The held lease, renewed once a third of it has passed; False when another took it over."""
        assert self.held is not None
        now = utc_now()
        if self._renew_at is not None and now < self._renew_at:
            return True
        if not await self.store.renew(self.held, now=now, lease=self.config.lease):
            return False
        self._renew_at = now + self.config.lease / 3
        return True

    async def _keep_lease(self) -> None:
        """Before each insert of a round: a round that outlasted its lease (a first scan of many
        sessions) numbers nothing once another sequencer has taken the lease, or two would number at
        once and could number one session's events out of order."""
        if self.held is None or not await self._renewed():
            raise LostLease("another sequencer took the lease during this round")

    async def _prune_if_due(self) -> None:
        now = utc_now()
        if not self.prune or (self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY):
            return
        self._pruned_at = now
        await self.store.prune(now - self.config.retention)


async def start_sequencer(
    settings: Settings,
    db: object,
    capabilities: StoreCapabilities,
    *,
    on_moved: Callable[[list[Change]], Awaitable[None]] | None = None,
    handoff: Handoff | None = None,
) -> list[asyncio.Task[None]]:
    """Server start: the change log's indexes and this process's sequencer task (`handoff`: the hints
    of this process's writers, storage/pending.py)."""
    config = SequencerConfig.from_settings(settings)
    store = ChangeLogStore(db)
    has_ttl = await store.ensure_indexes(config.retention, capabilities)
    if not has_ttl:
        log.info("the store has no TTL indexes (FerretDB): the change sequencer prunes `changes` itself")
    sequencer = Sequencer(store, config, prune=not has_ttl, on_moved=on_moved, handoff=handoff)
    return [asyncio.create_task(sequencer.run(), name="change-sequencer")]
