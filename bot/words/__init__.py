"""bot/words"""
