"""The Administration window (menu Borough): the borough's hubs, rooms, facilities, organisations, teams and
terms, edited through ReferenceService with undo.

Must not import: sqlalchemy sessions directly (services only).
"""
