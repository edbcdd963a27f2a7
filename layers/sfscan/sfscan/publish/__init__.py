"""Publishing: findings to AWS Security Hub (ASFF) and changes to SNS (e-mail, chat, ticketing).

Building a message is pure (asff.py, notify.py); the adapters (securityhub.py, sns.py) only move
built values to AWS and turn SDK errors into domain errors.
"""
