"""Signals other apps listen to, so accounts need not know what depends on a user.

`user_deactivated(sender=User, user=..., actor=...)` is sent inside the transaction that
deactivates the user: the access app revokes the user's credentials at the gateway in the
same transaction, so a deactivated consumer keeps no working key.
"""

from django.dispatch import Signal

user_deactivated = Signal()
