"""Single sign-on's web side: the sign-in and callback URLs of every SSO profile (Tyk's
/tib/auth/<profile>/<provider> scheme), for both audiences. The Live Portal serves them because it is
the public face on port 3001, as Tyk's embedded identity broker is; admins land in the Admin Portal.
"""
