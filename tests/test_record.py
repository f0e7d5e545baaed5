"""Record classes (stingerloom._record): the compiled constructors behave as the generic one did,
and frozen records survive pickling (lint's worker processes send results back pickled)."""

from __future__ import annotations

import pickle

import pytest

from stingerloom.history import HistoryRow
from stingerloom.migration import SqlSource
from stingerloom.plan import Step
from stingerloom.sqltext import split_statements


def test_defaults_keywords_and_fresh_mutable_defaults():
    src = SqlSource("SELECT 1", line=3)
    assert (src.text, src.file, src.line, src.column, src.indent, src.exact) == ("SELECT 1", None, 3, None, 0, True)
    assert src == SqlSource("SELECT 1", None, 3) and hash(src) == hash(SqlSource("SELECT 1", None, 3))
    a, b = Step(None, "up", None), Step(None, "up", None)
    a.statements.append("x")
    assert b.statements == []  # a list default is copied per object
    with pytest.raises(AttributeError):
        src.text = "changed"
    with pytest.raises(TypeError):
        SqlSource()  # text is required
    with pytest.raises(TypeError):
        HistoryRow(id="x", nonsense=1)


def test_frozen_records_round_trip_through_pickle():
    statements = split_statements("SELECT 1; -- note\nSELECT 2;", "sqlite")
    assert pickle.loads(pickle.dumps(statements)) == statements
    src = SqlSource("SELECT 1", "m.yaml", 2, 5, 2, False)
    assert pickle.loads(pickle.dumps(src)) == src
    assert repr(statements[1]) == "Statement(sql='SELECT 2', offset=18, comments=('-- note',))"


def test_a_record_whose_fields_cannot_be_parameters_in_order_still_builds():
    from stingerloom._record import Record

    class Odd(Record):  # a default before a required field: no compiled __init__, the generic one
        __slots__ = ("a", "b")
        _defaults = {"a": 1}

    assert (Odd(b=2).a, Odd(b=2).b, Odd(5, 6).a) == (1, 2, 5)
    with pytest.raises(TypeError):
        Odd()
