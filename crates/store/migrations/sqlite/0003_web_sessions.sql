-- Web sign-in: browser sessions, sign-in attempts (for throttling and lockout) and the one-time set-up link that
-- creates the first admin. Tokens are stored only as SHA-256 hashes, like API tokens.

CREATE TABLE web_sessions (
    id BLOB PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE sign_in_attempts (
    id BLOB PRIMARY KEY,
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    at TEXT NOT NULL,
    succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1))
);
CREATE INDEX sign_in_attempts_username ON sign_in_attempts (username, at);
CREATE INDEX sign_in_attempts_client ON sign_in_attempts (client, at);

CREATE TABLE setup_links (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
