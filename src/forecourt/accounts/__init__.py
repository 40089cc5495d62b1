"""Accounts: users, organisations, teams, roles and API tokens."""
