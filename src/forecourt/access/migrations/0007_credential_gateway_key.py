"""Tyk keys out of plain columns: `Credential.gateway_key` (encrypted) holds the key where the
portal must still address it, and `provider_reference` becomes a non-secret reference.

Rows whose reference was a raw key (a key not yet known by its hash, or one from a Dashboard
that answers no hash) move the key into `gateway_key` and get a portal-made reference
(`portal-<uuid>`); revocation jobs that carried the key in their payload carry it encrypted.
The reverse puts every such key back into `provider_reference` (and the jobs' payloads), which
is where 0.5.0 looks for it, before the column goes.

Encryption comes from the historical model's field (the field class every migration of this
table imports), so no app code is imported here.
"""

import uuid

import forecourt.ops.crypto
from django.db import migrations, models

BATCH = 500


def _placeholder() -> str:
    return f"portal-{uuid.uuid4().hex}"


def _is_raw_key(credential) -> bool:
    return credential.type == "key" and not (credential.provider_data or {}).get("hashed")


def _batches(queryset):
    """The rows of `queryset`, fetched in batches by primary key (the loop writes to the table it
    reads, which SQLite's cursors do not isolate)."""
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        yield from queryset.model.objects.filter(pk__in=pks[start:start + BATCH]).order_by("pk")


def _revocations(Job):
    """Every revocation job of an API key addressed by the key (any status: payloads of finished
    jobs are kept too)."""
    for job in _batches(Job.objects.filter(name="access.revoke")):
        ref = (job.payload or {}).get("ref")
        if isinstance(ref, dict) and ref.get("type") == "key" and not (ref.get("data") or {}).get("hashed"):
            yield job, ref


def keys_out_of_references(apps, schema_editor):
    Credential = apps.get_model("access", "Credential")
    Job = apps.get_model("jobs", "Job")
    field = Credential._meta.get_field("gateway_key")
    references = {}
    for credential in _batches(Credential.objects.filter(type="key", gateway_key="")):
        if not _is_raw_key(credential) or not credential.provider_reference:
            continue
        credential.gateway_key = credential.provider_reference
        credential.provider_reference = _placeholder()
        references[credential.pk] = credential.provider_reference
        credential.save(update_fields=["gateway_key", "provider_reference"])
    for job, ref in _revocations(Job):
        if ref.get("gateway_key") or not ref.get("reference"):
            continue
        ref["gateway_key"] = field.get_prep_value(str(ref["reference"]))  # encrypted
        ref["reference"] = references.get(ref.get("credential_id")) or _placeholder()
        job.save(update_fields=["payload"])


def keys_back_into_references(apps, schema_editor):
    Credential = apps.get_model("access", "Credential")
    Job = apps.get_model("jobs", "Job")
    field = Credential._meta.get_field("gateway_key")
    for credential in _batches(Credential.objects.filter(type="key").exclude(gateway_key="")):
        if not _is_raw_key(credential):
            continue
        credential.provider_reference = credential.gateway_key
        credential.gateway_key = ""
        credential.save(update_fields=["gateway_key", "provider_reference"])
    for job, ref in _revocations(Job):
        sealed = ref.pop("gateway_key", None)
        if sealed:
            ref["reference"] = field.from_db_value(sealed, None, None)  # decrypted
            job.save(update_fields=["payload"])


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0006_credential_expiry_reminders'),
        ('jobs', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='credential',
            name='gateway_key',
            field=forecourt.ops.crypto.EncryptedTextField(blank=True, editable=False),
        ),
        migrations.AlterField(
            model_name='credential',
            name='provider_reference',
            field=models.CharField(help_text="How the provider knows it, never a secret: an OAuth client's ID, a key's hash.", max_length=255),
        ),
        migrations.RunPython(keys_out_of_references, keys_back_into_references),
    ]
