"""One hierarchy for everything that can go wrong, named for what went wrong.

Each class also inherits the builtin that matches its meaning, so callers may catch by meaning
(``except ValueError``) or by origin (``except MadoguchiError``).
"""


class MadoguchiError(Exception):
    """Base class of every error Madoguchi raises on purpose."""


class ConfigError(MadoguchiError, ValueError):
    """A setting is missing or wrong. The message names the setting and shows a good value."""

    def __init__(self, setting: str, problem: str, example: str | None = None) -> None:
        self.setting = setting
        self.problem = problem
        self.example = example
        text = f"{setting}: {problem}"
        if example:
            text += f" (example: {example})"
        super().__init__(text)


class StoreError(MadoguchiError, RuntimeError):
    """The store cannot be reached or is not in the expected shape."""


class ModelError(MadoguchiError, RuntimeError):
    """The committed intent model is missing or damaged (retrain: ``python -m bot.nlp.train``)."""


class OrdersFileError(MadoguchiError, ValueError):
    """An orders file cannot be read at all (encoding, header, missing required columns)."""


class MailboxError(MadoguchiError, ConnectionError):
    """A mailbox cannot be read (which mailbox and why are in the message)."""


class MailboxAuthError(MailboxError):
    """The mailbox refused the credentials; retrying will not help until they are fixed."""


class OutboxError(MadoguchiError, ConnectionError):
    """A reply could not be handed to the outgoing mail server."""


class PermanentSendError(OutboxError):
    """The outgoing server refused the reply for good (5xx); a human must look at it."""


class TemplateMissingError(MadoguchiError, LookupError):
    """A handler asked for a template that does not exist."""


class SlackError(MadoguchiError, ConnectionError):
    """The Slack desk cannot be reached or refused a call."""
