"""Stored files: uploaded documents kept in one storage place, outside the static folder.

``backends`` holds the storage interface and its local-folder backend, ``models`` the
:class:`~app.storage.models.StoredFile` row that describes each file, ``services`` the checks an
upload must pass and the rules that keep rows and files in step (no orphan, nothing
half-written), ``serving`` the answers that send one file or a ZIP of many.
"""
