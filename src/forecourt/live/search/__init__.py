"""The Live Portal's search page (/search?q=): forecourt.sitesearch's hits as plain data."""
