"""Operations: start-up, migrations under a lock, health endpoints, the instance secret."""
