"""The google-genai backend: one async client per configuration, uploads with a dedupe cache, generation."""
