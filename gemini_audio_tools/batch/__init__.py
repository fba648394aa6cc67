"""Batch jobs over many files through the Gemini Batch API: the job store, uploads that survive a killed
process, JSONL parts within the API's limits, batch creation that is never duplicated, and prices.

Nothing here knows audio or operations: :mod:`gemini_audio_tools._ops.batch` plans the requests (the same
ones the interactive tools send) and stitches the replies; this package keeps the bookkeeping that lets a
job be followed from another process on another day. Kept free of imports so the tool list (which needs
only :mod:`.schemas`) stays cheap to load.
"""
