"""Version of this package and the upstream client version it speaks as."""

__version__ = "0.4.4"
#: Appended to the Basic login credential; RMLab servers may check it (upstream sends its version).
CLIENT_VERSION = "0.4.4"
