"""The portal's languages and the choice of one per request (issue 21): which languages ship, how a
request's language is negotiated, and the middleware that activates it with the user's time zone."""
