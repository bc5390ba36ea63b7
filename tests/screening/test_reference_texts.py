"""Checklist texts in Chinese quote with “ ”, not ASCII quotes (walk: "人车同屋" on the form),
and a database seeded before the correction takes it on its next `flask seed`."""

import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistItem, ChecklistTemplate


def test_no_chinese_checklist_text_uses_ascii_quotes(app, world):
    texts = db.session.execute(sa.select(ChecklistItem.text_zh, ChecklistItem.action_zh)).all()
    names = db.session.scalars(sa.select(ChecklistTemplate.name_zh)).all()
    quoted = [t for row in texts for t in row if '"' in t] + [n for n in names if '"' in n]
    assert quoted == []
    f1 = db.session.scalar(sa.select(ChecklistItem.text_zh).where(ChecklistItem.code == "F1"))
    assert "“人车同屋”" in f1


def test_a_database_seeded_before_takes_the_corrected_text_on_seed(app, world, runner):
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F2"))
    item.text_zh = '"飞线充电"（从楼上私拉电线到楼下、私接插座）'
    db.session.commit()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(ChecklistItem, item.id).text_zh.startswith("“飞线充电”")
