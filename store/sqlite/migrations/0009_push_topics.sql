-- Ward topics (issue 4): residents' subscriptions and the queue of FCM topic-membership changes.
-- Times are INTEGER unix milliseconds (UTC), as everywhere else.

-- One row per (resident, area). The topic is stored as it was derived at subscription time
-- (boundary set and area code), so an unsubscription removes exactly what was added.
CREATE TABLE push_subscriptions (
    user_id    TEXT    NOT NULL,
    area_code  TEXT    NOT NULL,
    area_name  TEXT    NOT NULL DEFAULT '',
    topic      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, area_code)
) STRICT, WITHOUT ROWID;

-- One row per (device token, topic) whose FCM membership must change: the latest wish wins
-- (subscribe = 1 adds the token to the topic, 0 removes it). gen grows with every new wish, so a
-- dispatcher that sent an older wish cannot delete the newer one. Done rows are deleted.
CREATE TABLE push_topic_ops (
    token           TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    subscribe       INTEGER NOT NULL,
    gen             INTEGER NOT NULL DEFAULT 1,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_holder    TEXT    NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (token, topic)
) STRICT;

CREATE INDEX push_topic_ops_due ON push_topic_ops (next_attempt_at);
