-- Web sign-in: browser sessions, sign-in attempts (for throttling and lockout) and the one-time set-up link that
-- creates the first admin. Tokens are stored only as SHA-256 hashes, like API tokens.

CREATE TABLE web_sessions (
    id uuid PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE sign_in_attempts (
    id uuid PRIMARY KEY,
    username text NOT NULL,
    client text NOT NULL,
    at timestamptz NOT NULL,
    succeeded boolean NOT NULL
);
CREATE INDEX sign_in_attempts_username ON sign_in_attempts (username, at);
CREATE INDEX sign_in_attempts_client ON sign_in_attempts (client, at);

CREATE TABLE setup_links (
    token_hash text PRIMARY KEY,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
