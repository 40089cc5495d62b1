"""Access: consumers' apps, their access requests, and the credentials approval yields."""
