"""Byte counts for people and models to read: one format everywhere a size is shown."""

from __future__ import annotations


def format_size(size_bytes: int) -> str:
    """Decimal units, as file managers show them: "312 bytes", "4.1 kB", "12.5 MB", "2.15 GB"."""
    if size_bytes < 1000:
        return f"{size_bytes} byte{'' if size_bytes == 1 else 's'}"
    if size_bytes < 1_000_000:
        return f"{size_bytes / 1000:.1f} kB"
    if size_bytes < 1_000_000_000:
        return f"{size_bytes / 1_000_000:.1f} MB"
    return f"{size_bytes / 1_000_000_000:.2f} GB"
