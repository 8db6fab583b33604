"""``setup_logging``: send the ``vocalis`` loggers to stdout, as the reference's helper does."""

from __future__ import annotations

import logging
import sys

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"


def setup_logging(level: int = logging.INFO) -> logging.Logger:
    """Log ``vocalis.*`` at ``level`` to stdout with a timestamped format (replacing handlers
    added before; records do not propagate to the root logger). Returns the logger."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    logger = logging.getLogger("vocalis")
    logger.setLevel(level)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.propagate = False
    return logger
