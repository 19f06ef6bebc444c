"""bot/ops"""
