CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  balance REAL NOT NULL DEFAULT 0 CHECK (balance >= 0),
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE audit (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts (id), note TEXT);
CREATE TRIGGER accounts_ai AFTER INSERT ON accounts
BEGIN
  INSERT INTO audit (account_id, note) VALUES (NEW.id, 'created; ' || NEW.email);
  UPDATE accounts SET balance = 0 WHERE id = NEW.id AND balance < 0;
END;
CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TABLE strict_t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL) STRICT;
CREATE INDEX idx_audit_account ON audit (account_id) WHERE note IS NOT NULL;
CREATE VIEW rich AS SELECT id, email FROM accounts WHERE balance > 1000;
INSERT INTO accounts (email) VALUES ('a@example.com'), ('it''s;ok@example.com')
  ON CONFLICT (email) DO UPDATE SET balance = excluded.balance;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n;
ALTER TABLE accounts ADD COLUMN phone TEXT;
ALTER TABLE accounts RENAME COLUMN phone TO phone_number;
ALTER TABLE accounts DROP COLUMN phone_number;
UPDATE accounts SET balance = 1 WHERE id = 1 RETURNING id;
SELECT json_extract('{"a": 1}', '$.a'), "email" FROM accounts; -- trailing comment
