-- The workspace's data. Times are microseconds since 1970 (UTC); ids are
-- lower-case UUID strings, compared byte by byte (COLLATE "C") as SQLite does.
CREATE TABLE users (
	id            TEXT COLLATE "C" PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
	token_hash TEXT COLLATE "C" PRIMARY KEY,
	id         TEXT COLLATE "C" NOT NULL UNIQUE,
	user_id    TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE documents (
	id         TEXT COLLATE "C" PRIMARY KEY,
	owner_id   TEXT COLLATE "C" NOT NULL,
	title      TEXT NOT NULL,
	content    TEXT NOT NULL,
	size       BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX documents_by_owner ON documents (owner_id, created_at DESC, id DESC);

CREATE TABLE notifications (
	id         TEXT COLLATE "C" PRIMARY KEY,
	user_id    TEXT COLLATE "C" NOT NULL,
	broadcast  INTEGER NOT NULL,
	type       TEXT NOT NULL,
	title      TEXT NOT NULL,
	message    TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX notifications_by_user ON notifications (user_id, broadcast, created_at DESC, id DESC);

CREATE TABLE notification_reads (
	notification_id TEXT COLLATE "C" NOT NULL,
	user_id         TEXT COLLATE "C" NOT NULL,
	read_at         BIGINT NOT NULL,
	PRIMARY KEY (notification_id, user_id)
);
