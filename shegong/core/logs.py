"""Logging filters wired in ``settings.LOGGING``."""

import logging

from django.db import InterfaceError, OperationalError


class DatabaseDownFilter(logging.Filter):
    """A request refused because the database did not answer is logged as one warning line
    (path and the driver's first line), not an error with its stack trace: during an outage
    every request fails the same way, and a trace each (about 100 lines) buries the log
    (the fault drill saw 200,000 lines in a 3 s restart). The 503 the user gets is
    ``core.errors.server_error``'s; other errors keep their trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (OperationalError, InterfaceError)):
            first = (str(error).strip().splitlines() or [""])[0]
            said = record.getMessage()
            record.msg = "%s (database not answering: %s: %s)"
            record.args = (said, type(error).__name__, first[:200])
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True
