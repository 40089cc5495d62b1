"""Single sign-on: identity providers that sign people in (Tyk's "SSO profiles").

A profile names one identity provider (OpenID Connect or SAML 2.0), the audience it signs in
(consumers into the Live Portal, or admins into the Admin Portal: Tyk's `ActionType`) and how users
land: made just in time or existing accounts only, their organisation, team and role from the
IdP's groups (group mapping, applied at every sign-in).

Why a package of its own, above `accounts`: it makes and updates accounts through accounts' rules
(registration rules, the second factor) and never the other way round; nothing below it imports it.
The protocols are a library's (Authlib for OpenID Connect, pysaml2 for SAML): this package never
checks a token's or an assertion's signature by hand. Each protocol turns the IdP's answer into an
`identity.Identity` (plain values); `signin.py` holds THE rules that turn an identity into a user.
"""
