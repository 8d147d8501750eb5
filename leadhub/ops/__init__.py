"""What an operator watches: Prometheus metrics, request ids in the logs, errors to Sentry."""
