"""The built-in channels, registered as any outside plugin registers its own (the
``channels`` entry point of the ``arxiv_monitor`` group)."""

from __future__ import annotations

from arxiv_monitor.core.hookspecs import hookimpl


@hookimpl
def register_channels(register) -> None:  # type: ignore[no-untyped-def]
    from arxiv_monitor.delivery.dingtalk import DingTalkChannel
    from arxiv_monitor.delivery.discord import DiscordChannel
    from arxiv_monitor.delivery.feishu import FeishuChannel, LarkChannel
    from arxiv_monitor.delivery.generic import GenericChannel
    from arxiv_monitor.delivery.mail import EmailChannel
    from arxiv_monitor.delivery.slack import SlackChannel
    from arxiv_monitor.delivery.telegram import TelegramChannel
    from arxiv_monitor.delivery.wecom import WeComChannel

    for channel in (EmailChannel, FeishuChannel, LarkChannel, DingTalkChannel, WeComChannel, SlackChannel,
                    TelegramChannel, DiscordChannel, GenericChannel):
        register(channel)
