-- How many messages the source folder held when the sync last listed the account's folders
-- (LIST-STATUS / STATUS MESSAGES), before the folder itself was read. Until a folder is listed
-- message by message it has no rows, so `status` takes its remaining count from here.
ALTER TABLE folder_pairs ADD COLUMN src_messages_listed BIGINT;
