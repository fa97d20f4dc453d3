"""The bookmark set one interpreter keeps per store (causal consistency)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.store import Bookmarks
from graphflow.store._bookmarks import KEPT, MAX_BOOKMARK_CHARS, MAX_BOOKMARKS


def test_a_commit_replaces_the_bookmarks_it_began_with() -> None:
    marks = Bookmarks()
    marks.observe(["a", "b"])
    began = asyncio.run(marks.get_bookmarks())
    asyncio.run(marks.update_bookmarks(began, ["c"]))
    assert marks.current() == ["c"]


def test_two_commits_begun_together_both_stay() -> None:
    marks = Bookmarks()
    marks.observe(["a"])
    began = asyncio.run(marks.get_bookmarks())
    asyncio.run(marks.update_bookmarks(began, ["b"]))
    asyncio.run(marks.update_bookmarks(began, ["c"]))
    assert marks.current() == ["b", "c"]


def test_a_transaction_without_a_new_bookmark_changes_nothing() -> None:
    marks = Bookmarks()
    marks.observe(["a"])
    asyncio.run(marks.update_bookmarks(["a"], []))  # a read: the server sends none
    assert marks.current() == ["a"]


@pytest.mark.parametrize(
    ("given_marks", "says"),
    [
        (["x"] * (MAX_BOOKMARKS + 1), f"at most {MAX_BOOKMARKS}"),
        ([""], "not a bookmark: ''"),
        (["x" * (MAX_BOOKMARK_CHARS + 1)], "not a bookmark"),
        ([7], "not a bookmark: 7"),
        ([None], "not a bookmark: None"),
    ],
)
def test_a_bad_bookmark_is_refused_and_nothing_is_kept(given_marks: list, says: str) -> None:
    marks = Bookmarks()
    marks.observe(["kept"])
    with pytest.raises(ValueError, match=says):
        marks.observe(given_marks)
    assert marks.current() == ["kept"]


def test_forget_drops_every_bookmark_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    marks = Bookmarks()
    marks.observe(["a", "b"])
    marks.forget("the server refused one")
    assert marks.current() == []
    assert "forgot 2 bookmarks: the server refused one" in caplog.text


@given(st.lists(st.text(min_size=1, max_size=40), max_size=KEPT, unique=True))
def test_what_is_observed_is_what_a_transaction_waits_for(given_marks: list[str]) -> None:
    marks = Bookmarks()
    marks.observe(given_marks)
    assert asyncio.run(marks.get_bookmarks()) == set(given_marks)
    assert marks.current() == sorted(set(given_marks))


def test_the_set_stays_bounded_under_concurrent_commits_and_messages() -> None:
    """Transactions that began before others committed remove only what they began
    with; messages add their senders' sets. The set keeps the newest of each."""
    marks = Bookmarks()
    began = asyncio.run(marks.get_bookmarks())
    for i in range(500):
        asyncio.run(marks.update_bookmarks(began, [f"own-{i}"]))  # all began together
        marks.observe([f"heard-{i}-{j}" for j in range(10)])
    kept = marks.current()
    assert len(kept) == 2 * KEPT
    assert {f"own-{i}" for i in range(500 - KEPT, 500)} <= set(kept)  # the newest own


def test_a_message_flood_never_pushes_out_this_interpreters_own_commits() -> None:
    marks = Bookmarks()
    asyncio.run(marks.update_bookmarks([], ["mine"]))
    for i in range(100):
        marks.observe([f"heard-{i}"])
    assert "mine" in marks.current()
    assert "heard-99" in marks.current()  # and what was heard last is waited for


def test_everything_a_full_message_carries_is_waited_for() -> None:
    """A sender's set (its own newest and what it heard) arrives whole, however many
    messages came before it."""
    sender = Bookmarks()
    for i in range(40):
        asyncio.run(sender.update_bookmarks([], [f"sent-{i}"]))
        sender.observe([f"sender-heard-{i}"])
    receiver = Bookmarks()
    for i in range(40):
        receiver.observe([f"old-{i}"])
    carried = sender.current()
    assert len(carried) == 2 * KEPT
    receiver.observe(carried)
    assert set(carried) <= asyncio.run(receiver.get_bookmarks())
