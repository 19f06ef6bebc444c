"""Operations: metrics, logs, shutdown, the HTTP server and the operator's endpoints."""
