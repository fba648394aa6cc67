"""Local audio through PyAV (bundled FFmpeg): sniff by content, probe, clip, decode, plan chunks."""
