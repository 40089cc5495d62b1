"""What seed.py puts in the benchmark's database and run.py asks for: shared, and free of Django."""

ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-admin-passphrase"
CONSUMER_EMAIL, CONSUMER_PASSWORD = "bench-consumer@example.com", "bench-consumer-passphrase"
CONSUMERS = 500
BIG_PRODUCT_SLUG, BIG_API_ID = "big-api", "bench-big-api"
BIG_OPERATIONS = 1000
# The signed-in catalogue's search: WORDS[i % 3] is in product i's description and TAGS[i % 5] is
# one of its tags, so "q=SEARCH_WORD&tag=SEARCH_TAG" matches one product in 15 (66 at 1,000).
WORDS = ["weather", "payments", "logistics"]
TAGS = ["maps", "finance", "transport", "energy", "health"]
OTHER_TAGS = ["beta", "stable", "internal", "partner", "open-data", "realtime", "batch"]
SEARCH_WORD, SEARCH_TAG = WORDS[0], TAGS[0]
AUTH_TYPES = ["authToken", "oauth", "hmac", "jwt"]
# A product on page 3 of the catalogue's default order is as good as any: the product page's cost
# must not depend on which product it is.
SAMPLE_PRODUCT_SLUG = "product-17"
# Files seed.py leaves in the data directory for run.py.
TOKEN_FILE, SEED_FILE = "bench-api-token", "bench-seed.json"
