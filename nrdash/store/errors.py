"""The store's refusals. Every message is French and says what to do."""
from __future__ import annotations


class StoreError(Exception):
    """A refused or impossible store operation; the message is French and says what to do."""


class Forbidden(StoreError):
    """The acting principal may not do this here. The message names what the operation needs, never whether the
    territory or the thing asked for exists (a closed territory and an unknown one get the same answer)."""


class PublishRefused(StoreError):
    """The census has rows in error and no reason was given to publish it anyway."""


class NewerVersion(StoreError):
    """Another version was published after the one the publisher last saw."""


class TooManySubmissions(StoreError):
    """Too many questionnaire answers from one client address in a short time (the message says how long to wait)."""
