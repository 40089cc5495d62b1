"""The Tyk Dashboard provider (`tyk-pro`): its HTTP client and the mapping of policies to the catalogue."""
