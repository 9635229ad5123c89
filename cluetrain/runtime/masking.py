"""Secrets never printed: the one function that masks the password of every URL in a text,
used for every output, error line and log record (DESIGN.md § Command line, errors).

`clickhouse://writer:S3cr3tPW@host:9000/db` -> `clickhouse://writer:***@host:9000/db`. A
password may hold an unencoded `@`: the credentials end at the last `@` before the host.
"""
from __future__ import annotations

import logging
import re

MASK = "***"

# scheme://user:password@ — the password runs to the last '@' before a space, quote or '/'.
_CREDENTIALS = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*):[^\s/'\"]*@")


def mask(text: str) -> str:
    """`text` with the password of every `scheme://user:password@` URL in it masked."""
    if "://" not in text:
        return text
    return _CREDENTIALS.sub(lambda m: f"{m['head']}:{MASK}@", text)


def mask_logs() -> None:
    """Every log record of this process is masked when it is made (whatever the handler:
    the worker's log file, stderr, librdkafka's lines)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "masks", False):
        return

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:  # a traceback quotes its exception's message
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return record

    masked_record.masks = True
    logging.setLogRecordFactory(masked_record)
