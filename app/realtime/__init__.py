"""Live board fan-out: the per-process hub, the cross-process brokers and the websocket."""
