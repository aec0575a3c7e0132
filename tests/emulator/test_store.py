"""The store's transactions: all or nothing, begun by the first write only, and savepoints that undo one item
of a batch while the rest commits (what the ticker relies on)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelarts_local.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "store.sqlite3")
    yield opened
    opened.close()


def put(store: Store, key: str) -> None:
    store.execute("INSERT INTO meta (key, value) VALUES (?, 'x')", (key,))


class Undo(Exception):
    """Raised on purpose to abandon a block."""


def put_then_fail(store: Store, key: str, *, then: Callable[[], None] = lambda: None, undone: str = "") -> None:
    """Write ``key``, register ``then`` to follow the commit (``undone`` noted on rollback), and fail."""
    put(store, key)
    store.after_commit(then, on_rollback=lambda: NOTES.append(undone))
    raise Undo(key)


NOTES: list[str] = []


def keys(path: Path) -> set[str]:
    """What another connection sees: only what was committed."""
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT key FROM meta") if row[0] != "schema_version"}


def test_a_transaction_commits_all_or_nothing(store: Store):
    with store.transaction():
        put(store, "a")
        with store.transaction():  # nested: joins the outer one
            put(store, "b")
        assert keys(store.path) == set()  # not yet committed
    assert keys(store.path) == {"a", "b"}
    with pytest.raises(Undo), store.transaction():
        put_then_fail(store, "c")
    assert keys(store.path) == {"a", "b"}


def test_a_transaction_that_only_reads_begins_nothing(store: Store):
    with store.transaction():
        assert store.query("SELECT COUNT(*) AS n FROM meta")[0]["n"] == 1
        # Another writer is not locked out by a block that has not written.
        with sqlite3.connect(store.path, timeout=0) as other:
            other.execute("INSERT INTO meta (key, value) VALUES ('other', 'x')")
    assert keys(store.path) == {"other"}


def test_a_savepoint_undoes_its_item_and_the_batch_goes_on(store: Store):
    with store.transaction():
        put(store, "first")
        with pytest.raises(Undo), store.savepoint():
            put_then_fail(store, "broken")
        with store.savepoint():
            put(store, "last")
    assert keys(store.path) == {"first", "last"}
    with pytest.raises(RuntimeError, match="enclosing transaction"), store.savepoint():
        pass


def test_after_commit_runs_once_committed_and_is_dropped_with_what_it_followed(store: Store):
    NOTES.clear()

    def never() -> None:
        NOTES.append("never")

    with store.transaction():
        put(store, "kept")
        # By the time it runs, another connection sees the commit.
        store.after_commit(lambda: NOTES.append(f"after: {sorted(keys(store.path))}"), on_rollback=never)
        with pytest.raises(Undo), store.savepoint():
            put_then_fail(store, "undone", then=never, undone="savepoint undone")
    assert NOTES == ["savepoint undone", "after: ['kept']"]

    NOTES.clear()
    with pytest.raises(Undo), store.transaction():
        put_then_fail(store, "lost", then=never, undone="rolled back")
    store.after_commit(lambda: NOTES.append("outside a transaction: at once"))
    assert NOTES == ["rolled back", "outside a transaction: at once"]
