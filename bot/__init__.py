"""Back-pain and UC-MSC FAQ bot: a pure answer engine with Telegram and console adapters."""

__version__ = "0.1.0"
