"""The portal's password hasher: Argon2id at the OWASP Password Storage Cheat Sheet's minimum.

Why: the OWASP Password Storage Cheat Sheet recommends Argon2id first, with a minimum configuration of
m=19 MiB, t=2, p=1; being memory-hard, it gives an attacker's GPUs much less of an edge than PBKDF2 does.
It costs about 20 ms of one core per hash.

Why not Django's default, PBKDF2-SHA256 at 1,000,000 iterations: about 0.23 s of one core per hash, so
200 sign-ups arriving together on one core queue for over 40 s. Why not Django's own Argon2 parameters
(Argon2PasswordHasher: 100 MiB, t=2, 8 lanes): about five times the memory and CPU per sign-up, and the 8
lanes buy nothing on one core.

The algorithm name stays "argon2", so the hashes are Django's ordinary Argon2 ones, each carrying its own
parameters: any Argon2 hash verifies, and one made with other parameters (Django's defaults, say) is
rehashed with these at the owner's next sign-in, as are PBKDF2 and scrypt hashes (bcrypt
ones only where the bcrypt package is installed): settings.PASSWORD_HASHERS lists them after this one,
and Django rehashes when the first hasher differs or its parameters changed.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19456 KiB (19 MiB), t=2, p=1 (Django's Argon2 hashes are always Argon2id)."""

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
