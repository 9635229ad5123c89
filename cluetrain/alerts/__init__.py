"""Alert delivery: the signed webhook notifier (webhook.py) and the consumer of the
`alerts` topic that prints and delivers them (follow.py)."""
