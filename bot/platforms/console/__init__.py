"""bot/platforms/console"""
