"""Configuration as code (docs/config-as-code.md): a portal's set-up as YAML files, to promote it
between environments the way Terraform does.

`forecourt export` writes the configuration (`export.py`), `forecourt plan` says what applying a
file would change (`plan.py`), `forecourt apply` changes it, in one transaction, through the same
forms and audited writes as the Admin Portal (`apply.py`). `source.py` reads the files (every
problem with its file and line), `kinds/` says what each kind of object looks like in a file and how
it is matched between environments (by natural keys, never database IDs), `secrets.py` the secret
references (`{env: NAME}` or `{file: PATH}`: a secret is never written in clear), `schema.py` the
JSON Schema of the format, made from the kinds. Consumers' data (users, apps, access requests,
credentials) is no kind, so it is never exported nor touched.
"""
