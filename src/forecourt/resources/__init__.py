"""The resources both admin UIs write and list, under both of them (ARCHITECTURE.md).

The Admin Portal (forecourt.adminportal) and the Admin API (forecourt.api) each build their pages or
answers over the same definitions (`definitions.py`: model, form, list queryset, delete rules), the
same forms (`forms.py`) and the same audited writes (`writes.py`), so a rule or an audit entry is
never written twice. This package imports no UI package; how a resource is shown (columns,
filters, widgets, URLs) is the UI's.
"""
