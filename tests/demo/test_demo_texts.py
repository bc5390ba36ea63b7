"""Issue 14 item 8: demo texts hold no ID numbers and no remarks on where a person is."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.validators import contains_id_number, sensitive_category

# The remarks the issue found ("白天常在社区老年活动室", "每天下午在家", "去女儿家小住") and
# their kind: where someone usually is, is at a time of day, or has gone.
WHEREABOUTS = re.compile(
    r"常在|在家|小住|外出|去.{1,3}家|活动室|(每天|白天|晚上)(上午|下午|常|都|会|在)"
)


def _texts():
    """(table.column, value) of every text column of every table in the database."""
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value:
                    yield f"{table.name}.{column.name}", value


def test_demo_texts_hold_no_id_numbers_and_no_whereabouts(demo):
    texts = list(_texts())
    assert any(where == "residents.notes" for where, _v in texts)
    assert any(where == "visits.summary" for where, _v in texts)
    assert [t for t in texts if contains_id_number(t[1])] == []
    assert [t for t in texts if WHEREABOUTS.search(t[1])] == []
    assert [t for t in texts if sensitive_category(t[1])] == []
