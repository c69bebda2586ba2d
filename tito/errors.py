"""The one error type tito shows to people: a message, never a traceback."""


class TitoError(Exception):
    """A foreseeable mistake; the message says what is wrong and what to do."""
