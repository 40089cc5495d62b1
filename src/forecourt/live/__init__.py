"""The Live Portal: the API consumer's side of the portal, rendered by the active theme.

Each area is a sub-package with its own URLs, views and the sample data its templates are
validated with (forecourt.themes.validate.SAMPLE_PAGES):

- `account/`: sign up, sign in and out, password reset, invites, organisation requests;
- `catalogue/`: catalogues, products, their docs and API documents;
- `developer/`: the dashboard, apps, access requests and credentials.

Views are thin: rules live in the domain apps' services (accounts, catalog, access), and
templates get plain data only (docs/themes.md, "The context contract").
"""
