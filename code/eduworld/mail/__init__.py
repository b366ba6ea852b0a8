"""Mail that EduWorld sends (chapter 7): an outbox in the database, a sender per host."""
