"""The small interfaces the live session works through, each with an in-process backend (one
laptop) and a shared one (a cluster of workers): the store (SQLite, PostgreSQL), the bus and
the live tally and limits (memory, Redis). Backends are picked from URLs in app/backends."""
