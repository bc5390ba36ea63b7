"""The one bound on record ids from outside (URLs, forms, query strings)."""

# Far above any id we make, and below SQLite's and PostgreSQL's 64-bit integers: a larger
# number would overflow in the query (a 500) instead of simply finding nothing.
MAX_ID = 2**62


# What a form's id field holds for a number no record can have: a lookup by it finds nothing
# (a 404), where an empty field would mean "none given".
NO_RECORD = -1


def parse_id(value) -> int | None:
    """The id in `value` if it could name a record, else None."""
    try:
        ident = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return ident if 0 < ident <= MAX_ID else None


def form_id(value) -> int:
    """`coerce` for a choice of records: a value no record can have is not a valid choice."""
    ident = parse_id(value)
    if ident is None:
        raise ValueError(value)
    return ident


# The table option for records a user can delete (a visit logged by mistake and what hangs on
# it, a hazard withdrawn, a photo removed). SQLite otherwise gives the newest row's id again
# once that row is deleted, and the audit trail, a phone's outbox or a page kept offline would
# then name two records with one id. PostgreSQL's sequences never go back.
NEVER_REUSED = {"sqlite_autoincrement": True}
