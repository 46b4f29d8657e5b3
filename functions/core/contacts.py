"""Amazon Connect contacts: the id that makes a 112 call one incident, whoever registers it first.

The intake registers a call under its contact's key before an operator answers. When the intake failed
or timed out, the operator opens the call's incident by hand under the very same key, so a late success
of the intake and the operator's action meet on one conditional write (docs/decisions.md §2, §33).
"""

from __future__ import annotations

import re

from core.errors import InvalidRequest

# Connect's contact ids are UUIDs (lowercase, with hyphens); case is forgiven, the key is lowercase.
CONTACT_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_CONTACT_ID_RE = re.compile(CONTACT_ID_PATTERN)


def contact_dedupe_key(contact_id: str) -> str:
    """The dedupe key of a call: its initial contact id (the one a transfer keeps)."""
    return f"CONTACT#{contact_id.lower()}"


def checked_contact_id(value: str, field: str = "contactId") -> str:
    """A contact id a person or a client sent, as Connect spells it; InvalidRequest unless it is a UUID.

    Checked before it becomes a key: anything else (a long string, another id) would make a key that no
    intake ever writes, and so a second incident for the call."""
    if len(value) > 64 or not _CONTACT_ID_RE.fullmatch(value):  # fullmatch: '$' would allow a final \n
        raise InvalidRequest(field, "an Amazon Connect contact id (a UUID such as 5ca32fbd-8f92-46af-…)")
    return value.lower()
