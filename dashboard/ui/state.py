"""Session-state and URL key names, in one place so pages never repeat them."""

# sidebar filters (also the URL query-parameter names)
KEY_CITIES = "city"
KEY_NEAR = "near"
KEY_RADIUS = "radius_km"
KEY_FROM = "from"
KEY_TO = "to"

# the session's data and choices (in memory; what is kept lives in the workspace: dashboard/ui/workspace.py)
KEY_UPLOADS = "_uploads"  # kind -> dashboard.ingest.Upload
KEY_MANUAL_PLACES = "_manual_places"  # city text -> place query typed by the organiser
KEY_SETTINGS = "_settings"  # dashboard.settings.Settings, only when the workspace can't be used
KEY_AS_OF = "_as_of"  # date or None (default: latest event)
KEY_COUNTRY = "_country"  # ISO code or "" (auto)
KEY_SHOW_CONTACTS = "show_contacts"
KEY_TEMPLATE = "_intro_template"  # the introduction message as the organiser last wrote it
KEY_TAKEN_UPLOADS = "_taken_uploads"  # set of upload file ids the Data page put in a box
KEY_LOST_UPLOADS = "_lost_uploads"  # list of (file name, why it was not used) still to tell the organiser
KEY_MADE = "_made"  # tokens of results this session has had worked out (shell.Later): shown at once next time
KEY_REUSE = "_reuse"  # dashboard.reuse.Reuse: the last load of this session's own uploads, for the next one
