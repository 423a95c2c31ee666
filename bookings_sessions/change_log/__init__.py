"""The change log: every write's event numbered in one global order, for the `changes` page, the live feed
and change webhooks (docs/design.md §9)."""
