"""The `calendar_feeds` collection: one document per feed, `_id` its token's SHA-256 (one bare `_id` read
per feed request, so a revocation holds at once everywhere), its own id a separate unique field an admin
revokes by (docs/design.md §6, "Calendar feeds").
"""

from __future__ import annotations

from typing import Any

from ..domain.calendar_feeds import CalendarFeed
from ..domain.timezones import as_utc
from .documents import Document
from .errors import database_errors

COLLECTION = "calendar_feeds"


def _to_doc(feed: CalendarFeed) -> Document:
    return {
        "_id": feed.token_hash,
        "feedId": feed.id,
        "scheduleId": feed.schedule_id,
        "includePrivate": feed.include_private,
        "createdDate": feed.created_date,
        "createdBy": feed.created_by,
    }


def _from_doc(doc: Document) -> CalendarFeed:
    return CalendarFeed(
        id=doc["feedId"],
        token_hash=doc["_id"],
        schedule_id=doc["scheduleId"],
        include_private=bool(doc.get("includePrivate")),
        created_date=as_utc(doc["createdDate"]),
        created_by=doc.get("createdBy"),
    )


class CalendarFeeds:
    def __init__(self, db: Any) -> None:
        self.feeds = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        with database_errors():
            await self.feeds.create_index([("feedId", 1)], unique=True)

    async def insert(self, feed: CalendarFeed) -> None:
        with database_errors():
            await self.feeds.insert_one(_to_doc(feed))

    async def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        with database_errors():
            doc = await self.feeds.find_one({"_id": token_hash})
        return None if doc is None else _from_doc(doc)

    async def delete(self, feed_id: str) -> bool:
        """Whether a feed with that id existed (it does not any more)."""
        with database_errors():
            deleted = await self.feeds.delete_one({"feedId": feed_id})
        return bool(deleted.deleted_count)
