"""The portal's password hasher: Argon2id at the OWASP Password Storage Cheat Sheet's minimum.

Why not Django's default, PBKDF2-SHA256 at 1,000,000 iterations: about 0.2 s of one core per hash, so
200 sign-ups arriving together on one core queue for over 40 s. Why not Django's own Argon2 parameters
(Argon2PasswordHasher: 100 MiB, t=2, 8 lanes): several times the memory and CPU per sign-up, and the 8
lanes buy nothing on one core. OWASP's first Argon2id configuration (m=19 MiB, t=2, p=1) is the minimum
it recommends, and costs an attacker's GPU far more than PBKDF2 at a much lower cost to us.

The algorithm name stays "argon2", so the hashes are Django's ordinary Argon2 ones, each carrying its own
parameters: any Argon2 hash verifies, and one made with other parameters (Django's defaults, say) is
rehashed with these at the owner's next sign-in, as are PBKDF2, bcrypt and scrypt hashes
(settings.PASSWORD_HASHERS lists them after this one; Django rehashes when the first hasher differs).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19456 KiB (19 MiB), t=2, p=1 (Django's Argon2 hashes are always Argon2id)."""

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
