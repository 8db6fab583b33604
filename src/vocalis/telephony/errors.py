"""Errors of call control: what a transfer or a telephony command reports when it fails."""


class TransferError(RuntimeError):
    """A call transfer was refused or failed (the message carries the provider's status), or
    the call's transport cannot transfer calls."""
