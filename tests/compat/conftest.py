"""The compatibility suite imports its agents through the ``videosdk`` → ``vocalis`` rename."""

from tests.compat.rename_shim import install

install()
