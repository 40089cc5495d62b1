"""The catalogue: API products, plans, and the catalogues that publish them to audiences."""
