-- The OpenSlides datastore tables (spec §6.5), as the datastore service creates them.
-- The autoupdate service reads `models` for current data, and `positions` + `events` for
-- `position=` and history information. Tests, compose and the simulator's Postgres target
-- apply this file; it is idempotent, so applying it to an existing datastore changes nothing.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'event_type') THEN
        CREATE TYPE event_type AS ENUM ('create', 'update', 'delete', 'deletefields', 'listfields', 'restore');
    END IF;
END$$;

CREATE TABLE IF NOT EXISTS positions (
    position INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    timestamp TIMESTAMPTZ,
    user_id INTEGER NOT NULL,
    information JSON,
    migration_index INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    position INTEGER REFERENCES positions(position) ON DELETE CASCADE,
    fqid VARCHAR(48) NOT NULL,
    type event_type NOT NULL,
    data JSONB,
    weight INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS event_position_idx ON events (position);
CREATE INDEX IF NOT EXISTS event_fqid_idx ON events (fqid);
CREATE INDEX IF NOT EXISTS event_meeting_id_idx ON events ((data->>'meeting_id'))
    WHERE data->>'meeting_id' IS NOT NULL;

CREATE TABLE IF NOT EXISTS id_sequences (
    collection VARCHAR(32) PRIMARY KEY,
    id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS collectionfields (
    id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    collectionfield VARCHAR(255) UNIQUE NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS collectionfields_collectionfield_idx ON collectionfields (collectionfield);

CREATE TABLE IF NOT EXISTS events_to_collectionfields (
    event_id BIGINT,
    collectionfield_id BIGINT REFERENCES collectionfields(id) ON DELETE CASCADE,
    CONSTRAINT events_to_collectionfields_pkey PRIMARY KEY (event_id, collectionfield_id)
);

-- One row per object ever created: all fields plus "meta_deleted" and "meta_position".
-- Deleted objects stay, with deleted = true, so a restore can bring them back.
CREATE TABLE IF NOT EXISTS models (
    fqid VARCHAR(48) PRIMARY KEY,
    data JSONB NOT NULL,
    deleted BOOLEAN NOT NULL,
    updated TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE OR REPLACE FUNCTION models_set_updated() RETURNS trigger AS $$
BEGIN
    NEW.updated := current_timestamp;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER models_updated
    BEFORE INSERT OR UPDATE ON models
    FOR EACH ROW EXECUTE FUNCTION models_set_updated();
