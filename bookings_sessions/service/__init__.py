"""Use cases: create, update, delete, load and list sessions; no GraphQL, HTTP or driver in here."""
