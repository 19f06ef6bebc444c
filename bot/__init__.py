"""values-bot: daily company-values reflection for chat teams."""

__version__ = "0.1.0"
