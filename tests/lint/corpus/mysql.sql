CREATE TABLE accounts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  email VARCHAR(255) NOT NULL,
  balance DECIMAL(12,2) NOT NULL DEFAULT 0,
  note TEXT,
  PRIMARY KEY (id),
  UNIQUE KEY uq_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW
BEGIN
  IF NEW.balance < 0 THEN
    SET NEW.balance = 0;
  END IF;
  SET NEW.note = CONCAT('created; ', NOW());
END;
CREATE PROCEDURE purge(IN days INT)
BEGIN
  DECLARE n INT DEFAULT 0;
  DELETE FROM accounts WHERE balance = 0 AND id < days;
  SELECT ROW_COUNT() INTO n;
END;
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
INSERT INTO `accounts` (`email`) VALUES ('a@example.com'), ('it\'s;ok@example.com');
ALTER TABLE accounts ADD INDEX idx_balance (balance), ALGORITHM=INPLACE, LOCK=NONE;
CREATE TABLE measurements (id INT NOT NULL, taken YEAR NOT NULL, PRIMARY KEY (id, taken))
  PARTITION BY RANGE (taken) (PARTITION p2023 VALUES LESS THAN (2024), PARTITION pmax VALUES LESS THAN MAXVALUE);
# a hash comment; with a semicolon
SELECT /*! STRAIGHT_JOIN */ 1;
