"""Operations: encrypted backups and restores of the database, and its PostgreSQL roles."""
