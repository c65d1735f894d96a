-- Rooms carry their participant count so the directory can sort by size without joining and
-- joins can reserve a seat under the room's row lock. A trigger keeps it exact.

ALTER TABLE rooms ADD COLUMN participant_count integer NOT NULL DEFAULT 0
    CHECK (participant_count >= 0);

UPDATE rooms r SET participant_count = (
    SELECT count(*) FROM room_participants p WHERE p.room_id = r.id
);

CREATE FUNCTION room_participant_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE rooms SET participant_count = participant_count + 1 WHERE id = NEW.room_id;
        RETURN NEW;
    ELSE
        UPDATE rooms SET participant_count = participant_count - 1 WHERE id = OLD.room_id;
        RETURN OLD;
    END IF;
END;
$$;

CREATE TRIGGER room_participants_count
    AFTER INSERT OR DELETE ON room_participants
    FOR EACH ROW EXECUTE FUNCTION room_participant_count_sync();

-- Directory pages: public group rooms by size, and name search.
CREATE INDEX rooms_directory_members_idx ON rooms (participant_count DESC, created_at DESC, id)
    WHERE kind = 'group' AND NOT is_private;
CREATE INDEX rooms_name_lower_idx ON rooms (lower(name) text_pattern_ops);
