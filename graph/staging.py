"""A staging database beside the served one, published in one final step.

Why: the engine's bulk writer (``GraphBatch``) is several times quicker than
writes inside one transaction, but it commits on its own, chunk by chunk. A
load through it therefore writes into a *staging* database, a copy of the
served one in a sibling folder of the store, which nobody reads; when every
record is written and the copy is closed on disk, the copy replaces the served
database. Readers see the store as before or as after, never in between.

The folders, inside the store folder (the server's database directory):

- ``statecrime``: the served database;
- ``.staging-statecrime``: the copy a load is writing (never served);
- ``.replaced-statecrime``: the served database just replaced, to be removed;
- ``.publishing``: a marker, written (and synced) only once the staging copy is
  complete and closed.

Publishing, with the server stopped (its database closed): write the marker;
rename the served folder to ``.replaced-...``; rename the staging folder to the
served name; remove the marker; remove the replaced folder. A process killed at
any step leaves a state :func:`recover` settles at the next start, before the
server opens anything:

- no marker: the staging copy was never complete, so it is removed (the store is
  as before);
- a marker: the staging copy is complete, so publication is finished (the store
  is as after): the served folder moves aside if it is still there, the staging
  folder takes its name if it has not yet, then the marker goes.

Leftover ``.replaced-...`` folders are removed in both cases. Every rename is
followed by a sync of the store folder, so a power loss keeps the order too.
Only one process uses a store at a time (:func:`hold_lock`), so nobody else can
open the store while its served database is closed for the swap.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

from statecrime.graph.embedded_access import DATABASE_NAME

STAGING_NAME = f".staging-{DATABASE_NAME}"
REPLACED_NAME = f".replaced-{DATABASE_NAME}"
MARKER_NAME = ".publishing"
LOCK_NAME = ".statecrime-lock"
"""A file in the store folder that the process holding the store keeps locked (``flock``)."""


class StoreInUse(RuntimeError):
    """Another process holds the store."""


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` (and the folder itself) to the disk."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
    _sync_folder(folder)


def hold_lock(store: Path) -> int:
    """Lock the store for this process; return the descriptor to pass to :func:`release_lock`.

    The kernel drops the lock when the process ends, however it ends (SIGKILL
    included), so a killed load never leaves the store locked.
    """
    descriptor = os.open(store / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise StoreInUse(str(store)) from None
    return descriptor


def release_lock(descriptor: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(descriptor, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(descriptor)


def recover(store: Path) -> str | None:
    """Settle what a killed load left in ``store``; return what was done (for tests), if anything.

    Called with the store locked and before the server starts.
    """
    served = store / DATABASE_NAME
    staging = store / STAGING_NAME
    replaced = store / REPLACED_NAME
    marker = store / MARKER_NAME
    done = None
    if marker.exists():
        if staging.is_dir():
            if served.exists():
                if replaced.exists():
                    shutil.rmtree(replaced)
                served.rename(replaced)
                _sync_folder(store)
            staging.rename(served)
            _sync_folder(store)
            done = "published"
        elif not served.exists() and replaced.is_dir():
            replaced.rename(served)  # cannot happen in the order publish() keeps; be safe
            _sync_folder(store)
            done = "restored"
        else:
            done = "finished"
        marker.unlink()
        _sync_folder(store)
    elif staging.exists():
        shutil.rmtree(staging)
        done = "discarded"
    if replaced.exists():
        shutil.rmtree(replaced, ignore_errors=True)
        done = done or "cleaned"
    return done


def discard(store: Path) -> None:
    """Remove an unpublished staging copy (a load failed or was stopped)."""
    shutil.rmtree(store / STAGING_NAME, ignore_errors=True)


def publish(store: Path) -> None:
    """Make the complete, closed staging copy the served database (the server is stopped)."""
    served = store / DATABASE_NAME
    staging = store / STAGING_NAME
    replaced = store / REPLACED_NAME
    marker = store / MARKER_NAME
    if replaced.exists():
        shutil.rmtree(replaced)
    descriptor = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, b"the staging database is complete: publish it\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    _sync_folder(store)
    if served.exists():
        served.rename(replaced)
        _sync_folder(store)
    staging.rename(served)
    _sync_folder(store)
    marker.unlink()
    _sync_folder(store)


def remove_replaced(store: Path) -> None:
    """Remove the database a publication replaced (after the server is up again)."""
    shutil.rmtree(store / REPLACED_NAME, ignore_errors=True)
