"""The one spelling of an email address that Atelier compares and stores.

Pure functions without the app, so the migration that normalises stored addresses uses the same
rule as sign-up, log-in and reset (``migrations/versions/*_email_identity.py``).

The whole address is case-folded, the local part too: RFC 5321 lets a mail server tell
``Ana@`` from ``ana@``, but none our participants use does, and two accounts that differ only in
case are a way to impersonate someone. NFKC first turns look-alike compatibility characters
(fullwidth ``ａ``, ligatures such as ``ﬁ``) into their plain letters.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable


def normalise_email(email: str) -> str:
    """``"  Ａdmin@Example.ORG "`` → ``"admin@example.org"``: stripped, NFKC, case-folded."""
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    # Case folding can leave a string that is no longer in NFKC (rare, but cheap to redo).
    return unicodedata.normalize("NFKC", folded).strip()


class EmailCollision(Exception):
    """Several accounts would share one address once normalised: an operator must merge them."""

    def __init__(self, groups: dict[str, list[tuple[int, str]]]) -> None:
        self.groups = groups
        lines = [
            f"  {normalised}: " + ", ".join(f"user {uid} <{email}>" for uid, email in accounts)
            for normalised, accounts in sorted(groups.items())
        ]
        super().__init__(
            "These accounts would share an email address once addresses are normalised "
            "(case and Unicode NFKC). Merge or rename them by hand, then run the upgrade "
            "again:\n" + "\n".join(lines)
        )


def normalised_changes(rows: Iterable[tuple[int, str]]) -> dict[int, str]:
    """The new address of each account whose stored address is not normalised, as
    ``{user id: address}``. Raises :class:`EmailCollision` (listing every group) if two
    accounts would end with the same address; nothing is to be written then."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for user_id, email in rows:
        groups[normalise_email(email)].append((user_id, email))
    collisions = {key: sorted(accounts) for key, accounts in groups.items() if len(accounts) > 1}
    if collisions:
        raise EmailCollision(collisions)
    return {
        user_id: key
        for key, accounts in groups.items()
        for user_id, email in accounts
        if email != key
    }
