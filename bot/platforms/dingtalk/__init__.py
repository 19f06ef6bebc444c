"""bot/platforms/dingtalk"""
