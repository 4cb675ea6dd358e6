-- One row per user. The username is the key exactly as sent (case-sensitive, any Unicode).
-- COLLATE "C": lookups are equality only, and a byte-order index cannot be invalidated by an OS
-- collation (glibc/ICU) upgrade the way a linguistic one can.
CREATE TABLE users (
  username text COLLATE "C" PRIMARY KEY,
  date_of_birth date NOT NULL
);
