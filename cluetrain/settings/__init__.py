"""Settings: one frozen object built from the CLUETRAIN_* environment.

model.py declares every setting once (variable, type, default, doc) as a field of
Settings and validates combinations; types.py holds the value types (parse, check,
format); table.py renders the README table from the declarations.
"""
from cluetrain.settings.model import NOT_SETTINGS, PREFIX, Settings, declarations
from cluetrain.settings.types import SettingsError

__all__ = ["NOT_SETTINGS", "PREFIX", "Settings", "SettingsError", "declarations"]
