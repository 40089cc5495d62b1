"""General settings kept in the database and edited in the Admin Portal (SMTP, registration...)."""
