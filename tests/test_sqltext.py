"""Tests for stingerloom.sqltext: the per-dialect SQL statement splitter."""

from __future__ import annotations

import sqlite3

import pglast
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stingerloom.sqltext import (
    DELIMITER_MESSAGE,
    SplitError,
    Statement,
    is_blank,
    line_col,
    split_block,
    split_statements,
    trailing_comments,
)

DIALECTS = ("postgres", "mysql", "sqlite")


def check(sql: str, dialect: str) -> list[Statement]:
    """Split and verify the invariants every result must satisfy."""
    stmts = split_statements(sql, dialect)
    last = -1
    for s in stmts:
        assert s.sql, s
        assert s.sql == s.sql.strip()
        assert sql[s.offset : s.offset + len(s.sql)] == s.sql
        assert s.offset > last
        last = s.offset + len(s.sql) - 1
    return stmts


def texts(sql: str, dialect: str) -> list[str]:
    return [s.sql for s in check(sql, dialect)]


def error(sql: str, dialect: str) -> SplitError:
    with pytest.raises(SplitError) as info:
        split_statements(sql, dialect)
    return info.value


# --------------------------------------------------------------------------------------------
# common behaviour


@pytest.mark.parametrize("dialect", DIALECTS)
class TestCommon:
    def test_simple_split_and_offsets(self, dialect):
        sql = "CREATE TABLE a (id int);\n  INSERT INTO a VALUES (1) ;\n\nSELECT 1"
        stmts = check(sql, dialect)
        assert [(s.sql, s.offset) for s in stmts] == [
            ("CREATE TABLE a (id int)", 0),
            ("INSERT INTO a VALUES (1)", 27),
            ("SELECT 1", 55),
        ]

    def test_last_statement_needs_no_semicolon_and_empty_statements_vanish(self, dialect):
        assert texts(";;SELECT 1;;; ;\n;SELECT 2", dialect) == ["SELECT 1", "SELECT 2"]
        assert texts("SELECT 1;", dialect) == ["SELECT 1"]

    @pytest.mark.parametrize("blank", ["", "   \n\t", ";", " ; ;\n", "-- only a comment", "/* a */ -- b\n;"])
    def test_blank(self, dialect, blank):
        assert check(blank, dialect) == []
        assert is_blank(blank, dialect)

    def test_not_blank(self, dialect):
        assert not is_blank("-- c\nSELECT 1", dialect)
        assert not is_blank("BEGIN", dialect)

    def test_unterminated_comment_is_not_blank(self, dialect):
        # an unclosed comment must not turn the rest of the block into a silent no-op
        sql = "  /* forgot to close\nCREATE TABLE t (a int);"
        assert not is_blank(sql, dialect)
        assert error(sql, dialect).offset == 2

    def test_string_with_semicolon_and_doubled_quote(self, dialect):
        sql = "INSERT INTO t VALUES ('a;b', 'it''s; here');SELECT ';'"
        assert texts(sql, dialect) == ["INSERT INTO t VALUES ('a;b', 'it''s; here')", "SELECT ';'"]

    def test_double_quoted_text(self, dialect):
        sql = 'SELECT "we;ird""name" FROM t; SELECT 2'
        assert texts(sql, dialect) == ['SELECT "we;ird""name" FROM t', "SELECT 2"]

    def test_line_and_block_comments_hide_semicolons(self, dialect):
        sql = "SELECT 1 -- not; the end\n, 2 /* nor; this */ FROM t; SELECT 3"
        assert texts(sql, dialect) == ["SELECT 1 -- not; the end\n, 2 /* nor; this */ FROM t", "SELECT 3"]

    def test_comments_between_statements(self, dialect):
        sql = (
            "-- stingerloom:ignore SL601\n/* why */\nALTER TABLE t ADD c int;  -- after one\n"
            "SELECT 1 /* before semicolon */ ;\n-- the end\n"
        )
        result = split_block(sql, dialect)
        assert [(s.sql, s.comments) for s in result.statements] == [
            ("ALTER TABLE t ADD c int", ("-- stingerloom:ignore SL601", "/* why */")),
            ("SELECT 1", ("-- after one",)),
        ]
        assert result.trailing_comments == ("/* before semicolon */", "-- the end")
        assert trailing_comments(sql, dialect) == result.trailing_comments
        assert [t for _, t in result.comment_offsets] == [
            "-- stingerloom:ignore SL601",
            "/* why */",
            "-- after one",
            "/* before semicolon */",
            "-- the end",
        ]
        for off, text in result.comment_offsets:
            assert sql[off : off + len(text)] == text

    def test_trailing_comment_of_last_statement_without_semicolon(self, dialect):
        result = split_block("SELECT 1 -- stingerloom:ignore SL101\n", dialect)
        assert [s.sql for s in result.statements] == ["SELECT 1"]
        assert result.trailing_comments == ("-- stingerloom:ignore SL101",)

    def test_comment_inside_statement_stays(self, dialect):
        assert texts("SELECT /* x */ 1 -- y\n FROM t", dialect) == ["SELECT /* x */ 1 -- y\n FROM t"]

    def test_only_comments_gives_trailing(self, dialect):
        result = split_block("-- a\n/* b */", dialect)
        assert result.statements == []
        assert result.trailing_comments == ("-- a", "/* b */")

    def test_crlf_offsets(self, dialect):
        sql = "-- head\r\nSELECT 1;\r\n\r\nSELECT 'a;\r\nb' -- tail\r\n;\r\nSELECT 3"
        stmts = check(sql, dialect)
        assert [s.sql for s in stmts] == ["SELECT 1", "SELECT 'a;\r\nb'", "SELECT 3"]
        assert [s.offset for s in stmts] == [9, 22, 49]
        assert stmts[0].comments == ("-- head",)
        assert stmts[2].comments == ("-- tail",)
        assert line_col(sql, stmts[2].offset) == (7, 1)

    def test_non_ascii_offsets_are_characters(self, dialect):
        sql = "INSERT INTO t VALUES ('héhé; ünïcode 😀');\nSELECT 'ß';"
        stmts = check(sql, dialect)
        assert [s.offset for s in stmts] == [0, 42]
        assert stmts[1].sql == "SELECT 'ß'"

    def test_unterminated_single_quote(self, dialect):
        e = error("SELECT 1;\nSELECT 'abc;\n", dialect)
        assert e.offset == 17 and "unterminated" in e.message

    def test_unterminated_double_quote(self, dialect):
        assert error('SELECT "abc', dialect).offset == 7

    def test_unterminated_block_comment(self, dialect):
        assert error("SELECT 1; /* abc", dialect).offset == 10
        assert error("SELECT 1 /* abc", dialect).offset == 9

    def test_delimiter_line(self, dialect):
        sql = "SELECT 1;\ndelimiter //\nCREATE TRIGGER t BEGIN END //\n"
        e = error(sql, dialect)
        assert e.message == DELIMITER_MESSAGE
        assert e.offset == 10

    def test_delimiter_word_elsewhere_is_fine(self, dialect):
        assert texts("SELECT delimiter FROM t; SELECT 'DELIMITER ;'", dialect) == [
            "SELECT delimiter FROM t",
            "SELECT 'DELIMITER ;'",
        ]

    def test_backslash_line_is_client_command(self, dialect):
        e = error("SELECT 1;\n  \\x on\nSELECT 2", dialect)
        assert e.offset == 12
        assert "\\x" in e.message and "not SQL" in e.message

    def test_transaction_statements_are_ordinary(self, dialect):
        sql = "BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\nBEGIN TRANSACTION;\nSELECT 1;\nEND;\nSTART TRANSACTION;\nROLLBACK"
        assert texts(sql, dialect) == [
            "BEGIN",
            "UPDATE t SET a = 1",
            "COMMIT",
            "BEGIN TRANSACTION",
            "SELECT 1",
            "END",
            "START TRANSACTION",
            "ROLLBACK",
        ]

    def test_keywords_in_strings_and_identifiers_do_not_count(self, dialect):
        sql = "SELECT 'BEGIN', \"begin\" FROM t; UPDATE t SET x = 'END'; SELECT 1"
        assert len(texts(sql, dialect)) == 3

    def test_aliases(self, dialect):
        alias = {"postgres": "postgresql", "mysql": "mariadb", "sqlite": "sqlite3"}[dialect]
        assert texts("SELECT 1; SELECT 2", alias) == ["SELECT 1", "SELECT 2"]


def test_unknown_dialect():
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        split_statements("SELECT 1", "oracle")


def test_split_error_is_value_error():
    e = error("SELECT 'x", "postgres")
    assert isinstance(e, ValueError) and e.offset == 7 and str(e) == e.message


def test_line_col():
    text = "ab\ncd\r\nef"
    assert line_col(text, 0) == (1, 1)
    assert line_col(text, 2) == (1, 3)
    assert line_col(text, 3) == (2, 1)
    assert line_col(text, 7) == (3, 1)
    assert line_col(text, 9) == (3, 3)  # end of text
    assert line_col(text, 99) == (3, 3)
    assert line_col("é\nü", 2) == (2, 1)


# --------------------------------------------------------------------------------------------
# PostgreSQL


class TestPostgres:
    d = "postgres"

    def test_standard_strings_do_not_escape_backslash(self):
        assert texts(r"SELECT 'a\'; SELECT 2", self.d) == [r"SELECT 'a\'", "SELECT 2"]

    def test_escape_strings(self):
        sql = r"SELECT E'it\'s;', e'\\'; SELECT U&'d\0061t\+000061;' ; SELECT 3"
        assert texts(sql, self.d) == [r"SELECT E'it\'s;', e'\\'", r"SELECT U&'d\0061t\+000061;'", "SELECT 3"]

    def test_e_at_end_of_identifier_is_not_escape_string(self):
        # `namee'…'` is an identifier followed by a standard string
        assert texts(r"SELECT namee'a\'; SELECT 2", self.d) == [r"SELECT namee'a\'", "SELECT 2"]

    def test_hash_is_an_operator(self):
        assert texts("SELECT 1 # 2; SELECT 3", self.d) == ["SELECT 1 # 2", "SELECT 3"]

    def test_backticks_are_not_quotes(self):
        assert texts("SELECT `a;b`", self.d) == ["SELECT `a", "b`"]

    def test_nested_block_comments(self):
        sql = "/* outer /* inner; */ still; comment */ SELECT 1; SELECT 2"
        stmts = check(sql, self.d)
        assert [s.sql for s in stmts] == ["SELECT 1", "SELECT 2"]
        assert stmts[0].comments == ("/* outer /* inner; */ still; comment */",)
        assert error("SELECT 1; /* a /* b */", self.d).offset == 10

    def test_dollar_quotes(self):
        sql = (
            "SELECT $$a;b$$; SELECT $fn$ x; $inner$ y; $inner$ $$ z; $fn$;"
            "SELECT $_1$;$_1$; SELECT $é$;$é$"
        )
        assert texts(sql, self.d) == [
            "SELECT $$a;b$$",
            "SELECT $fn$ x; $inner$ y; $inner$ $$ z; $fn$",
            "SELECT $_1$;$_1$",
            "SELECT $é$;$é$",
        ]

    def test_parameters_and_identifiers_with_dollar_are_not_quotes(self):
        sql = "SELECT $1 FROM t WHERE a = $2; SELECT a$b$, x$$ FROM t; PREPARE p AS SELECT $1$"
        assert texts(sql, self.d) == [
            "SELECT $1 FROM t WHERE a = $2",
            "SELECT a$b$, x$$ FROM t",
            "PREPARE p AS SELECT $1$",
        ]

    def test_unterminated_dollar_quote(self):
        e = error("SELECT 1;\nDO $body$ BEGIN RAISE NOTICE 'x'; END $bod$;", self.d)
        assert e.offset == 13 and "$body$" in e.message

    def test_unterminated_escape_string_points_at_e(self):
        assert error(r"SELECT E'abc\'", self.d).offset == 7

    def test_do_block(self):
        sql = "DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'done;';\nEND\n$$;\nSELECT 1"
        assert texts(sql, self.d) == ["DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'done;';\nEND\n$$", "SELECT 1"]

    def test_plpgsql_function(self):
        body = (
            "CREATE OR REPLACE FUNCTION audit() RETURNS trigger AS $body$\n"
            "BEGIN\n  IF TG_OP = 'DELETE' THEN\n    INSERT INTO audit_log VALUES (OLD.*);\n"
            "    RETURN OLD;\n  END IF;\n  RAISE NOTICE 'it''s done; $$ not a tag';\n"
            "  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql"
        )
        trigger = "CREATE TRIGGER trg AFTER INSERT OR DELETE ON t FOR EACH ROW EXECUTE FUNCTION audit()"
        assert texts(f"{body};\n{trigger};\n", self.d) == [body, trigger]

    def test_begin_atomic(self):
        fn = (
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
            "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n  INSERT INTO t VALUES (a);\n"
            "  SELECT (CASE a WHEN 1 THEN 'end;' END);\nEND"
        )
        proc = "CREATE OR REPLACE PROCEDURE p() BEGIN /* c */ -- x\n ATOMIC INSERT INTO t VALUES (1); END"
        assert texts(f"{fn};\n{proc};\nSELECT 2", self.d) == [fn, proc, "SELECT 2"]

    def test_begin_atomic_unclosed(self):
        e = error("SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;", self.d)
        assert e.offset == 55 and "BEGIN ATOMIC" in e.message

    def test_begin_without_atomic_in_function_is_not_a_block(self):
        sql = "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin; SELECT 1"
        assert texts(sql, self.d) == ["CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin", "SELECT 1"]

    def test_case_outside_atomic_block(self):
        sql = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql RETURN CASE WHEN a THEN 1 END; SELECT 2"
        assert len(texts(sql, self.d)) == 2

    def test_create_rule_parenthesised_actions(self):
        rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))"
        assert texts(f"{rule}; SELECT 1", self.d) == [rule, "SELECT 1"]

    def test_semicolon_in_parentheses_ends_an_ordinary_statement(self):
        # a syntax error either way; splitting keeps an unclosed '(' from swallowing the block
        assert texts("SELECT (1; SELECT 2", self.d) == ["SELECT (1", "SELECT 2"]

    def test_psql_meta_command_anywhere(self):
        assert error("SELECT 1 \\gset\n", self.d).offset == 9
        e = error("\\set ON_ERROR_STOP on\nSELECT 1", self.d)
        assert e.offset == 0 and "psql meta-command \\set" in e.message

    def test_backslash_in_strings_is_fine(self):
        assert texts("SELECT '\\x'; SELECT E'\\\\'; SELECT $$\\$$", self.d) == [
            "SELECT '\\x'",
            "SELECT E'\\\\'",
            "SELECT $$\\$$",
        ]


# --------------------------------------------------------------------------------------------
# MySQL / MariaDB

MYSQL_PROCEDURE = """\
CREATE DEFINER=`admin`@`%` PROCEDURE `archive_orders`(IN cutoff DATE, OUT moved INT)
    MODIFIES SQL DATA
    COMMENT 'moves old orders; returns the count'
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE oid INT;
  DECLARE cur CURSOR FOR SELECT id FROM orders WHERE created < cutoff;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  SET moved = 0;
  OPEN cur;
  read_loop: LOOP
    FETCH cur INTO oid;
    IF done THEN
      LEAVE read_loop;
    ELSEIF oid IS NULL THEN
      ITERATE read_loop;
    ELSE
      INSERT INTO orders_archive SELECT * FROM orders WHERE id = oid;
    END IF;
    SET moved = moved + 1;
  END LOOP read_loop;
  CLOSE cur;
  WHILE moved > 1000 DO
    SET moved = moved - 1;
  END WHILE;
  REPEAT
    SET moved = moved + 0;
  UNTIL moved >= 0 END REPEAT;
  CASE WHEN moved = 0 THEN SELECT 'none;' AS msg;
       ELSE SELECT CONCAT(REPEAT('*', 3), IF(moved > 1, 's', '')) AS msg;
  END CASE;
  SELECT CASE moved WHEN 0 THEN 'zero' ELSE 'some' END AS label;
  SET @x = IF(moved > 0, 1, 2);
  SET @y = REPEAT ('-', 2);
  DROP TEMPORARY TABLE IF EXISTS tmp_orders;
  outer_block: BEGIN
    IF moved > 0 THEN
      IF moved > 10 THEN SET moved = 10; END IF;
    END IF;
  END outer_block;
END"""


class TestMysql:
    d = "mysql"

    def test_backslash_escapes(self):
        sql = r"""SELECT 'it\'s;', "say \";\"", 'a\\'; SELECT 2"""
        assert texts(sql, self.d) == [r"""SELECT 'it\'s;', "say \";\"", 'a\\'""", "SELECT 2"]

    def test_unterminated_string_with_escaped_quote(self):
        assert error(r"SELECT 'abc\'", self.d).offset == 7

    def test_backticks(self):
        sql = "SELECT `we;ird``name` FROM `t;`; SELECT 2"
        assert texts(sql, self.d) == ["SELECT `we;ird``name` FROM `t;`", "SELECT 2"]
        assert error("SELECT `abc", self.d).offset == 7

    def test_hash_comments(self):
        result = split_block("# leading; comment\nSELECT 1 # trailing; x\n; SELECT 2 # end", self.d)
        assert [(s.sql, s.comments) for s in result.statements] == [
            ("SELECT 1", ("# leading; comment",)),
            ("SELECT 2", ("# trailing; x",)),
        ]
        assert result.trailing_comments == ("# end",)

    def test_double_dash_needs_whitespace(self):
        assert texts("SELECT 1--1; SELECT 2 --\tc; x\n; SELECT 3 --", self.d) == [
            "SELECT 1--1",
            "SELECT 2",
            "SELECT 3",
        ]

    def test_block_comments_do_not_nest(self):
        assert texts("/* a /* b */ SELECT 1; SELECT 2 */", self.d) == ["SELECT 1", "SELECT 2 */"]

    def test_executable_comments_are_statement_text(self):
        sql = (
            "/*!40101 SET NAMES utf8mb4 */;\n"
            "/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END */;\n"
            "SELECT 1 /*M!100101 , 2; */ ;\n"
            "/* a plain comment */ SELECT 3"
        )
        stmts = check(sql, self.d)
        assert [s.sql for s in stmts] == [
            "/*!40101 SET NAMES utf8mb4 */",
            "/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END */",
            "SELECT 1 /*M!100101 , 2; */",
            "SELECT 3",
        ]
        assert stmts[3].comments == ("/* a plain comment */",)
        assert not is_blank("/*!40101 SET NAMES utf8mb4 */", self.d)

    def test_procedure_with_every_compound_statement(self):
        sql = f"{MYSQL_PROCEDURE};\nCALL archive_orders('2020-01-01', @n);"
        assert texts(sql, self.d) == [MYSQL_PROCEDURE, "CALL archive_orders('2020-01-01', @n)"]

    def test_procedure_last_without_semicolon(self):
        assert texts(MYSQL_PROCEDURE, self.d) == [MYSQL_PROCEDURE]

    def test_trigger_bodies(self):
        t1 = (
            "CREATE TRIGGER trg_bi BEFORE INSERT ON users FOR EACH ROW\nBEGIN\n"
            "  IF NEW.email IS NULL THEN\n    SET NEW.email = CONCAT(NEW.name, '@example.com;');\n"
            "  END IF;\n  SET NEW.kind = CASE WHEN NEW.age < 18 THEN 'minor' ELSE 'adult' END;\nEND"
        )
        t2 = "CREATE TRIGGER trg_bu BEFORE UPDATE ON users FOR EACH ROW SET NEW.n = IF(NEW.n IS NULL, 0, NEW.n)"
        t3 = (
            "CREATE TRIGGER IF NOT EXISTS trg_au AFTER UPDATE ON users FOR EACH ROW FOLLOWS trg_bu\n"
            "IF NEW.a <> OLD.a THEN INSERT INTO log VALUES (NEW.id); DELETE FROM cache; END IF"
        )
        t4 = "CREATE TRIGGER trg_bd BEFORE DELETE ON users FOR EACH ROW DO SLEEP(0)"
        sql = f"{t1};\n{t2};\n{t3};\n{t4};\nSELECT 1"
        assert texts(sql, self.d) == [t1, t2, t3, t4, "SELECT 1"]

    def test_function_and_event(self):
        fn = (
            "CREATE FUNCTION IF NOT EXISTS f(x INT) RETURNS INT DETERMINISTIC\nBEGIN\n"
            "  DECLARE r INT DEFAULT 0;\n  CASE x WHEN 1 THEN SET r = 10; ELSE SET r = 20; END CASE;\n"
            "  RETURN r;\nEND"
        )
        one_liner = "CREATE FUNCTION g(x INT) RETURNS INT RETURN CASE WHEN x THEN 1 END"
        event = (
            "CREATE DEFINER = CURRENT_USER EVENT IF NOT EXISTS purge ON SCHEDULE EVERY 1 DAY\n"
            "DO BEGIN\n  DELETE FROM sessions WHERE expires < NOW();\n  DELETE FROM tokens WHERE expires < NOW();\nEND"
        )
        sql = f"{fn};\n{one_liner};\n{event};\nSELECT f(1)"
        assert texts(sql, self.d) == [fn, one_liner, event, "SELECT f(1)"]

    def test_if_function_next_to_then(self):
        trig = (
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\n"
            "IF NEW.a THEN SET NEW.b = 1;\nELSEIF IF(NEW.c, 1, 0) THEN SET NEW.b = 2;\n"
            "ELSE SET NEW.b = CASE WHEN IF(NEW.d, 1, 0) THEN 3 ELSE IF(NEW.e, 4, 5) END;\nEND IF"
        )
        assert texts(f"{trig};\nSELECT 1", self.d) == [trig, "SELECT 1"]

    def test_procedure_parameter_named_begin(self):
        proc = "CREATE PROCEDURE p(IN `begin` INT, IN begin2 INT) SELECT 1"
        assert texts(f"{proc}; SELECT 2", self.d) == [proc, "SELECT 2"]

    def test_qualified_keywords_do_not_count(self):
        trig = "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.begin = OLD.end; END"
        assert texts(f"{trig}; SELECT 1", self.d) == [trig, "SELECT 1"]

    def test_mariadb_compound_statements(self):
        anon = "BEGIN NOT ATOMIC\n  DECLARE x INT DEFAULT 1;\n  FOR i IN 1..3 DO\n    SET x = x * 2;\n  END FOR;\nEND"
        top_if = "IF (SELECT COUNT(*) FROM t) = 0 THEN\n  INSERT INTO t VALUES (1);\nEND IF"
        loop = "WHILE @i < 3 DO SET @i = @i + 1; END WHILE"
        sql = f"{anon};\n{top_if};\n{loop};\nSELECT 1 FOR UPDATE; BEGIN; COMMIT"
        assert texts(sql, self.d) == [anon, top_if, loop, "SELECT 1 FOR UPDATE", "BEGIN", "COMMIT"]

    def test_unclosed_body(self):
        e = error("CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  IF 1 THEN SELECT 2; END IF;\n", self.d)
        assert e.offset == 21 and "missing END" in e.message
        e = error("CREATE PROCEDURE p() WHILE 1 DO SELECT 1;", self.d)
        assert e.offset == 21 and "missing END WHILE" in e.message

    def test_delimiter_blocks(self):
        sql = "DELIMITER //\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END //\nDELIMITER ;\n"
        e = error(sql, self.d)
        assert (e.message, e.offset) == (DELIMITER_MESSAGE, 0)
        e = error("SELECT 1;\n\\d //\n", self.d)
        assert (e.message, e.offset) == (DELIMITER_MESSAGE, 10)

    def test_backslash_elsewhere_is_left_to_the_server(self):
        assert texts("SELECT \\N; SELECT 2", self.d) == ["SELECT \\N", "SELECT 2"]

    def test_dollar_is_plain_text(self):
        assert texts("SELECT $$a; SELECT 1 AS a$b", self.d) == ["SELECT $$a", "SELECT 1 AS a$b"]


# --------------------------------------------------------------------------------------------
# SQLite

SQLITE_TRIGGERS = [
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, kind TEXT, [we;ird] TEXT, `odd;` TEXT)",
    "CREATE TABLE log (msg TEXT)",
    (
        "CREATE TRIGGER users_ai AFTER INSERT ON users\nBEGIN\n"
        "  INSERT INTO log VALUES ('inserted; ' || new.name);\n"
        "  UPDATE users SET kind = CASE WHEN new.id > 10 THEN 'big' ELSE 'small' END WHERE id = new.id;\n"
        "  SELECT CASE WHEN new.name IS NULL THEN RAISE(ABORT, 'no name; sorry') END;\nEND"
    ),
    (
        "CREATE TEMP TRIGGER IF NOT EXISTS users_au AFTER UPDATE OF name ON users\n"
        "WHEN CASE WHEN new.name = 'x' THEN 1 ELSE 0 END = 1\n"
        "BEGIN DELETE FROM log; INSERT INTO log VALUES ('end'); END"
    ),
    "INSERT INTO users (name, [we;ird], `odd;`) VALUES ('a', 'b;', 'c;')",
    "BEGIN",
    "UPDATE users SET name = 'x'",
    "END",
]


class TestSqlite:
    d = "sqlite"

    def test_triggers_and_quotes_against_sqlite(self):
        sql = ";\n".join(SQLITE_TRIGGERS) + ";\n"
        stmts = texts(sql, self.d)
        assert stmts == SQLITE_TRIGGERS
        con = sqlite3.connect(":memory:", isolation_level=None)
        for s in stmts:  # the real parser accepts each piece on its own
            assert sqlite3.complete_statement(s + ";")
            con.execute(s)
        assert con.execute("SELECT msg FROM log").fetchall() == [("end",)]

    def test_backslash_is_not_an_escape(self):
        assert texts(r"SELECT 'a\'; SELECT 2", self.d) == [r"SELECT 'a\'", "SELECT 2"]

    def test_hash_and_dollar_are_plain(self):
        assert texts("SELECT 1 # 2; SELECT $$a; SELECT 3", self.d) == ["SELECT 1 # 2", "SELECT $$a", "SELECT 3"]

    def test_bracket_identifiers(self):
        assert error("SELECT [abc", self.d).offset == 7

    def test_block_comments_do_not_nest(self):
        assert texts("/* a /* b */ SELECT 1; SELECT 2 */", self.d) == ["SELECT 1", "SELECT 2 */"]

    def test_unclosed_trigger(self):
        e = error("CREATE TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM y;", self.d)
        assert e.offset == 35

    def test_dot_command(self):
        e = error("SELECT 1;\n.read other.sql\n", self.d)
        assert e.offset == 10 and ".read" in e.message

    def test_begin_only_opens_the_trigger_body(self):
        trig = "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET begin = 1; END"
        assert texts(f"{trig}; SELECT 1", self.d) == [trig, "SELECT 1"]


# --------------------------------------------------------------------------------------------
# cross-check against pglast's scanner (libpg_query)

PG_CORPUS = [
    "SELECT 1; SELECT 2",
    "SELECT 'a;b''c'; SELECT \"x;\"\"y\" FROM t;",
    r"SELECT E'it\'s;'; SELECT 'a\'; SELECT 3",
    "SELECT $$a;b$$; SELECT $fn$ $x$ ; $x$ ; $fn$; SELECT $1",
    "SELECT a$b$ FROM t; SELECT 1",
    "-- c;\nSELECT 1 -- d;\n; /* e; /* f; */ g; */ SELECT 2;",
    "DO $$ BEGIN PERFORM 1; END $$; SELECT 1",
    "CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RETURN NEW; END; $body$ LANGUAGE plpgsql; SELECT 1",
    "BEGIN; UPDATE t SET a = 1; COMMIT; END; START TRANSACTION; ROLLBACK",
    "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1",
    "SELECT 1 # 2; SELECT 3",
    "SELECT U&'d\\0061t;' ; SELECT U&\"d;\" FROM t",
    ";;; SELECT 1;;; ;",
    "-- only a comment",
    "SELECT 'é;ü'; SELECT 2\r\n;\r\nSELECT 3",
    "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0; CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (b);",
    "CREATE TABLE t (a text DEFAULT 'x;y', b int CHECK (b > 0)); COMMENT ON TABLE t IS 'a;b'",
]


@pytest.mark.parametrize("sql", PG_CORPUS)
def test_pglast_agrees(sql):
    ours = check(sql, "postgres")
    theirs = list(pglast.split(sql, with_parser=False))
    assert len(ours) == len(theirs)
    for mine, their in zip(ours, theirs):
        assert mine.sql in their  # pglast keeps comments next to a statement in its text


def test_pglast_differs_only_on_begin_atomic():
    # libpg_query's scanner split does not know SQL-standard function bodies; the server does
    sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3"
    assert len(check(sql, "postgres")) == 2
    assert len(pglast.split(sql)) == 2  # the parser-based split agrees with us
    assert len(list(pglast.split(sql, with_parser=False))) == 4


# --------------------------------------------------------------------------------------------
# property tests

_COMMON_FRAGMENTS = [
    "1",
    "a",
    "t.begin",
    "'x;y'",
    "'it''s;'",
    "''",
    '"id;"',
    '"q""q"',
    "(1, 2)",
    "/* c; */",
    "-- c;\n",
    "BEGIN",
    "END",
    "CASE WHEN a THEN b END",
    "é",
    "\r\n",
]
_FRAGMENTS = {
    "postgres": _COMMON_FRAGMENTS
    + [r"E'a\';'", "$$;$$", "$t$ $$ ; $t$", "$1", "/* a /* b; */ */", "# 2", "a$b$", "U&'x;'"],
    "mysql": _COMMON_FRAGMENTS + [r"'a\';'", r'"b\";"', "`c;`", "`d``;`", "# c;\n", "/*!40101 x; */", "1--1", "$$"],
    "sqlite": _COMMON_FRAGMENTS + ["`c;`", "[d;]", r"'a\'", "$$", "# x", "$a"],
}
_FIRST_WORDS = ["SELECT", "UPDATE t SET", "INSERT INTO t VALUES", "ALTER TABLE t", "DELETE FROM t WHERE", "VACUUM"]
_SEPARATORS = [";", ";\n", " ;\n\n", ";\r\n-- between; x\r\n", ";;", "; /* gap; */ ", ";\t"]


def _statement(dialect: str):
    fragments = st.lists(st.sampled_from(_FRAGMENTS[dialect]), max_size=6)
    return st.builds(
        lambda first, frags, last: " ".join([first, *frags, last]),
        st.sampled_from(_FIRST_WORDS),
        fragments,
        st.sampled_from(["1", "'z'", "x", '"y"', "(2)"]),
    )


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_statements_are_recovered(dialect, data):
    stmts = data.draw(st.lists(_statement(dialect), min_size=1, max_size=5))
    seps = data.draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(stmts), max_size=len(stmts)))
    lead = data.draw(st.sampled_from(["", "\n", "-- head\n", "/* h */ "]))
    sql = lead + "".join(s + sep for s, sep in zip(stmts, seps))
    if data.draw(st.booleans()):
        sql = sql[: -len(seps[-1])]  # the last statement needs no ';'
    got = check(sql, dialect)
    assert [s.sql for s in got] == stmts
    if dialect == "postgres":
        assert len(list(pglast.split(sql, with_parser=False))) == len(stmts)


_NOISE = st.lists(
    st.sampled_from(
        list("abE ;'\"`$-/*#\\\n\r[]()é.:")
        + ["BEGIN", "END", "CASE", "IF", "THEN", "ATOMIC", "CREATE TRIGGER ", "CREATE FUNCTION ", "DELIMITER",
           "$$", "$a$", "--", "/*", "*/", "/*!", "END IF", "LOOP", "DO", "FOR", "REPEAT", "WHILE", " NOT ATOMIC"]
    ),
    max_size=40,
).map("".join)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_NOISE, st.text(max_size=60)))
def test_arbitrary_text_only_raises_split_error(dialect, text):
    try:
        stmts = check(text, dialect)
    except SplitError as e:
        assert 0 <= e.offset <= len(text)
        assert e.message
        assert is_blank(text, dialect) in (True, False)  # never raises
        return
    result = split_block(text, dialect)
    assert result.statements == stmts
    for off, comment in result.comment_offsets:
        assert text[off : off + len(comment)] == comment
    assert is_blank(text, dialect) == (not stmts)


@pytest.mark.parametrize("sql, word", [
    ("BEGIN", "BEGIN"), ("begin work", "BEGIN"), ("BEGIN IMMEDIATE TRANSACTION", "BEGIN"),
    ("START TRANSACTION READ ONLY", "BEGIN"), ("COMMIT", "COMMIT"), ("END", "COMMIT"),
    ("end transaction", "COMMIT"), ("ROLLBACK", "ROLLBACK"), ("ABORT", "ROLLBACK"),
    ("SET autocommit = 0", "SET autocommit"), ("set @@session.autocommit=0", "SET autocommit"),
    ("PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION"), ("XA START 'x'", "PREPARE TRANSACTION"),
    ("ROLLBACK TO SAVEPOINT a", None), ("rollback work to a", None), ("SAVEPOINT a", None),
    ("RELEASE SAVEPOINT a", None), ("BEGIN NOT ATOMIC SELECT 1; END", None), ("BEGIN ATOMIC", None),
    ("SET autocommit_x = 1", None), ("ENDING", None), ("INSERT INTO t VALUES (1)", None),
])
def test_transaction_control_is_recognised(sql, word):
    from stingerloom.sqltext import transaction_control

    assert transaction_control(sql) == word


@pytest.mark.parametrize("dialect, body", [
    ("postgres", "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN ROLLBACK; RETURN 1; END $$"),
    ("postgres", "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END"),
    ("sqlite", "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END"),
    ("mysql", "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.id = 1; END"),
])
def test_begin_inside_a_body_is_not_transaction_control(dialect, body):
    from stingerloom.sqltext import split_statements, transaction_control

    assert [transaction_control(s.sql) for s in split_statements(body + ";", dialect)] == [None]


# ---------------------------------------------------------------------------------------------------
# split_items / blank_strings: the schema tools' lexing (SQLite's CREATE TABLE reader)

@pytest.mark.parametrize("dialect, body, items", [
    ("sqlite", 'a INT, "x, (y" TEXT, [c,(d] INT, `e,f)` INT', ['a INT', '"x, (y" TEXT', '[c,(d] INT', '`e,f)` INT']),
    ("sqlite", "a TEXT DEFAULT 'it''s, (odd)', b INT", ["a TEXT DEFAULT 'it''s, (odd)'", "b INT"]),
    ("sqlite", '"a""b" INT, "c"",d" INT', ['"a""b" INT', '"c"",d" INT']),
    ("sqlite", "a INT, -- note, with a comma ( and paren\n b INT, /* block, ( */ c INT",
     ["a INT", "b INT", "c INT"]),
    ("sqlite", "a INT -- x\r\n NOT NULL, b INT", ["a INT \n NOT NULL", "b INT"]),
    ("sqlite", "a NUMERIC(10,2), CHECK (a IN (1, 2)), UNIQUE (a, b)", ["a NUMERIC(10,2)", "CHECK (a IN (1, 2))",
                                                                       "UNIQUE (a, b)"]),
    ("sqlite", "CHECK (((((a, b))))), c", ["CHECK (((((a, b)))))", "c"]),  # deeper than the fast path
    ("sqlite", "a - b, c/d, e--f\n, g", ["a - b", "c/d", "e", "g"]),
    ("sqlite", "a,,b,", ["a", "", "b"]),
    ("sqlite", "  ", []),
    ("mysql", r"a VARCHAR(9) DEFAULT 'x\',y', b INT # c, d" + "\n, `e,f` INT", [r"a VARCHAR(9) DEFAULT 'x\',y'",
                                                                            "b INT", "`e,f` INT"]),
    ("mysql", "a INT --x, b INT, c INT /*!50100 , d */", ["a INT --x", "b INT", "c INT /*!50100 , d */"]),
    ("mysql", "[a, b]", ["[a", "b]"]),  # brackets quote only in SQLite
    ("postgres", "a TEXT DEFAULT $q$x, (y$q$, b TEXT DEFAULT E'\\', (', c INT /* x /* y, */ , */",
     ["a TEXT DEFAULT $q$x, (y$q$", "b TEXT DEFAULT E'\\', ('", "c INT"]),
    ("postgres", "a$b INT, $1, c", ["a$b INT", "$1", "c"]),
])
def test_split_items_splits_at_top_level_commas_only(dialect, body, items):
    from stingerloom.sqltext import split_items

    assert split_items(body, dialect) == items


def test_split_items_keeps_an_unterminated_quote_as_text():
    from stingerloom.sqltext import split_items

    assert split_items("a 'x, b", "sqlite") == ["a 'x", "b"]
    assert split_items("a /* x, b", "sqlite") == ["a /* x", "b"]


_ITEM_TOKENS = st.sampled_from([
    "a", "int", " ", "\n", " - ", " / ", "x-y", "'s,t'", "'it''s (x'", "''", '"q,(r"', '"a""b"', '""', "`b,)t`",
    "[c,(d]", "(1, 2)", "((a, 'b)'))", "(((((e, f)))))",
])
_ITEM_COMMENTS = st.sampled_from(["-- c, (x\n", "/* , ( */", "--\n"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(_ITEM_TOKENS, st.none() | _ITEM_COMMENTS), min_size=1, max_size=6),
                min_size=1, max_size=6))
def test_split_items_returns_the_items_joined(parts):
    """Items built of hostile tokens, joined by commas (comments between their tokens), come back
    stripped and without their comments, whichever path (one regex, or the token loop) splits them."""
    from stingerloom.sqltext import split_items

    written = ["".join(tok + (comment or "") for tok, comment in item) for item in parts]
    # a line comment ends at its newline, which stays
    expected = ["".join(tok + ("\n" if comment and comment[0] == "-" else "") for tok, comment in item).strip()
                for item in parts]
    got = split_items(",".join(written), "sqlite")
    # an empty item is kept before a comma, never at the end
    while expected and not expected[-1]:
        expected.pop()
    assert got == expected


def test_blank_strings_blanks_literals_only():
    from stingerloom.sqltext import blank_strings

    sql = "a DEFAULT 'AUTOINCREMENT', b 'it''s' /* AUTOINCREMENT */ CHECK"
    assert blank_strings(sql) == "a DEFAULT '             ', b '     ' /* AUTOINCREMENT */ CHECK"
    # the quirk SQLite's reader keeps (tests/schema/test_introspect_sqlite_fast.py): a quote inside a
    # quoted identifier starts a literal
    assert blank_strings('"it\'s" AUTOINCREMENT, x \'\'') == '"it\'' + " " * 20 + "''"


@pytest.mark.parametrize("dialect, text, start, group", [
    ("sqlite", 'FOREIGN KEY ("a)", [b(], `c,)`) REFERENCES t', 0, ('"a)", [b(], `c,)`', 31)),
    ("sqlite", "CHECK (a <> ')' AND (b))", 6, ("a <> ')' AND (b)", 24)),
    ("sqlite", "CHECK (((((a))))) x", 0, ("((((a))))", 17)),  # deeper than the one-regex path
    ("sqlite", "CHECK (a -- )\n) x", 0, ("a -- )", 15)),
    ("sqlite", "CHECK (a", 0, ("a", 8)),
    ("postgres", "CHECK ($$)$$ <> E'\\')')", 0, ("$$)$$ <> E'\\')'", 23)),
    ("mysql", "KEY (`a)`, 'b\\')') x", 0, ("`a)`, 'b\\')'", 18)),
])
def test_paren_group_skips_quotes_and_comments(dialect, text, start, group):
    from stingerloom.sqltext import paren_group

    assert paren_group(text, start, dialect) == group


@pytest.mark.parametrize("sql, body", [
    ('CREATE TABLE "t(1" ("a)" INT, b NUMERIC(9,2)) WITHOUT ROWID', '"a)" INT, b NUMERIC(9,2)'),
    ("CREATE TABLE [t(] (a INT) /* ) */", "a INT"),
    ("CREATE TABLE t -- (x\n (a INT, CHECK (a > 0))", "a INT, CHECK (a > 0)"),
    ("CREATE VIRTUAL TABLE f USING fts5(title, body)", "title, body"),
    ("CREATE TABLE t AS SELECT 1", ""),
])
def test_create_table_body_is_the_first_group_outside_quotes_and_comments(sql, body):
    from stingerloom.sqltext import create_table_body

    assert create_table_body(sql, "sqlite") == body


# -- the fast path for plain blocks (sqltext._split_simple) ----------------------------------------------
def _outcome(split, sql: str, dialect: str):
    """What ``split`` makes of ``sql``: its result, or the SplitError's message and offset."""
    from stingerloom import sqltext

    try:
        return split(sql, sqltext._dialect(dialect))
    except SplitError as exc:
        return ("SplitError", exc.message, exc.offset)


def _public(sql, d):
    result = split_block(sql, d.name)
    assert split_statements(sql, d.name) == result.statements
    return result


_PLAIN_TOKENS = st.sampled_from(
    ["CREATE TABLE t (a INT)", "INSERT INTO t VALUES (1, 'x; y')", "SELECT 'it''s'", " ", "\n", "\r\n", "\t",
     "\u00a0", ";", ";;", "x", "a - b", "a / b", "(", ")", "'", "''", "'a'", "'--'", "'/*'", "'\"$#`['", "é"]
)
_HOSTILE_TOKENS = st.sampled_from(
    ["--", "-- c\n", "/*", "*/", "/* c */", "/*!", "#", "# c\n", "$", "$$", "$a$", "$1", "\\", "\\d", "'\\''",
     "E'a\\'b'", '"', '"q"', "`", "`b`", "[", "[c]", ".tables", ".", "DELIMITER", "DELIMITER ;;",
     "BEGIN", "END", "CREATE TRIGGER tr ", "CREATE TEMP TRIGGER ", "CREATE FUNCTION f() ", "CREATE RULE r ",
     "IF", "CASE", "WHILE", "LOOP", "REPEAT", " NOT ATOMIC", "ATOMIC", "BEGIN NOT ATOMIC", "-", "/"]
)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=400, deadline=None)
@given(tokens=st.lists(st.one_of(_PLAIN_TOKENS, _PLAIN_TOKENS, _HOSTILE_TOKENS), max_size=30))
def test_the_fast_path_splits_as_the_full_scanner(dialect, tokens):
    """Whatever the block, ``split_block`` (which tries the fast path first) gives what the full
    scanner gives: the same statements, offsets and comments, or the same error at the same offset."""
    from stingerloom import sqltext

    sql = "".join(tokens)
    assert _outcome(_public, sql, dialect) == _outcome(sqltext._split_full, sql, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=200, deadline=None)
@given(text=st.one_of(_NOISE, st.text(max_size=60), st.text(alphabet="ab ;'\\-/*\n\"", max_size=40)))
def test_the_fast_path_agrees_on_arbitrary_text(dialect, text):
    from stingerloom import sqltext

    assert _outcome(_public, text, dialect) == _outcome(sqltext._split_full, text, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n"
    "CREATE INDEX i ON t (name);\nINSERT INTO t VALUES (1, 'row; one');\n",
    "DROP TABLE t;\n",
    "UPDATE t SET a = a - 1 / 2 WHERE b = 'it''s -- not /* a comment */ \"x\" $$';",
    "", " ;\n; ",
])
def test_plain_blocks_take_the_fast_path(dialect, sql):
    from stingerloom import sqltext

    fast = sqltext._split_simple(sql, sqltext._dialect(dialect))
    assert fast is not None
    assert fast == sqltext._split_full(sql, sqltext._dialect(dialect)).statements
    assert split_statements(sql, dialect) == fast


@pytest.mark.parametrize("dialect, sql", [
    ("sqlite", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; END;"),
    ("mysql", "IF 1 THEN SELECT 1; END IF;"),
    ("postgres", "SELECT 1; -- done\n"),
    ("mysql", "SELECT 'a\\'; b';"),
    ("sqlite", "SELECT 'unterminated;"),
])
def test_blocks_the_fast_path_leaves_to_the_full_scanner(dialect, sql):
    from stingerloom import sqltext

    assert sqltext._split_simple(sql, sqltext._dialect(dialect)) is None
