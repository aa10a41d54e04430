"""What a delivery channel is: the contract every channel plugin fulfils.

A channel turns a report into its messages (``messages``: one e-mail, or a chat digest
split to fit the platform's limits) and sends one message at a time (``send``). The
ledger (``ledger.py``) decides what is due and records each message sent, so a failed
message is sent again alone and nothing is sent twice. A channel's secrets (webhook
URLs, tokens, signing secrets) are masked in every message, log and record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, SecretStr

from arxiv_monitor.core.errors import ConfigError, MonitorError
from arxiv_monitor.core.models import Digest
from arxiv_monitor.core.settings import unset_env

if TYPE_CHECKING:
    import httpx

    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.settings import WebhookConfig


class DeliveryError(MonitorError):
    """A target refused or could not take a message."""


class NoOptions(BaseModel):
    """A channel whose ``[[webhooks]]`` entry needs nothing beyond ``name``, ``kind``,
    ``url`` and ``secret``."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(ABC):
    """A kind of delivery target. Subclass it, and register the class with the
    ``register_channels`` hook; a ``[[webhooks]]`` entry names it by ``kind``."""

    kind: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions  # its entry's own keys (secrets may be "env:NAME")

    def __init__(self, name: str, config: Config, url: SecretStr | None = None, secret: SecretStr | None = None,
                 options: BaseModel | None = None):
        self.name = name
        self.config = config
        self.url = url or SecretStr("")
        self.secret = secret or SecretStr("")
        self.options = options or self.Options()

    @classmethod
    def from_entry(cls, entry: WebhookConfig, config: Config) -> Channel:
        """The channel of one ``[[webhooks]]`` entry; its own keys checked by ``Options``."""
        from pydantic import ValidationError

        try:
            options = cls.Options.model_validate(entry.model_extra or {})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: "
                                 f"{'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}"
                                 for e in exc.errors())
            raise ConfigError(f"webhooks.{entry.name} ({cls.kind}): {problems}") from None
        return cls(entry.name, config, entry.url, entry.secret, options)

    def secret_values(self) -> list[SecretStr]:
        """Every secret of the channel (for masking, and to tell whether one is missing)."""
        found = [self.url, self.secret]
        found += [v for v in vars(self.options).values() if isinstance(v, SecretStr)]
        return found

    def secrets(self) -> list[str]:
        return [v.get_secret_value() for v in self.secret_values() if v.get_secret_value()
                and not unset_env(v)]

    def unavailable(self) -> str | None:
        """The environment variable a secret of the channel names but that is not set."""
        return next((name for v in self.secret_values() if (name := unset_env(v))), None)

    @abstractmethod
    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        """The report (a day's, or a period's trends) as this channel's messages, in sending
        order. ``paths`` are its written files by format; ``update``: the report was sent
        before, and is sent again because a later run completed or repaired it."""

    @abstractmethod
    def send(self, message: Any, client: httpx.Client) -> None:
        """Send one message; raise DeliveryError (or an httpx or OS error) when it did not go."""


def configured(config: Config) -> list[Channel]:
    """The configured targets as channels: ``email`` when ``[email]`` is enabled with
    recipients, and one per ``[[webhooks]]`` entry (its ``kind`` a registered channel)."""
    from arxiv_monitor.core import plugins

    kinds = plugins.channels()
    out: list[Channel] = []
    if config.email.enabled and config.email.recipients:
        out.append(plugins.one("channel", kinds, "email", "email")("email", config))
    for entry in config.webhooks:
        cls = plugins.one("channel", kinds, entry.kind, f"webhooks.{entry.name}.kind")
        out.append(cls.from_entry(entry, config))
    return out
