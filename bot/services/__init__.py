"""Application services around the dialogue: conversations, handoff, corrections and curated
answers, knowledge-base jobs, staff security, rate limits and metrics."""
