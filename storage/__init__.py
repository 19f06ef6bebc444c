"""Storage: tables, the repository, engine set-up and migrations. Nothing else writes SQL."""
