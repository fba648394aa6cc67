"""A local, offline emulator of the Gemini Developer API (files + generateContent + countTokens)."""
