"""The application layer: the values service, daily posting, reading, exports, retries."""
